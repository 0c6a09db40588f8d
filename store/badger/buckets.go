package badger

import (
	"context"
	"encoding/binary"
	"iter"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/livedict/livedict/store"
)

var _ store.BucketLister = (*Store)(nil)

// bucketPageNames is how many bucket names one read transaction of
// Buckets collects before they are yielded.
const bucketPageNames = 256

// Buckets yields the buckets holding a record, in the order of their
// encoded prefixes. It reads keys only and seeks past each bucket's keys,
// so it costs one seek per bucket, not a visit per record. A bucket whose
// records have all expired may be yielded until compaction drops them.
func (s *Store) Buckets(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		seek := []byte{recordTag}
		for seek != nil {
			page, next, err := s.bucketPage(ctx, seek)
			for _, b := range page {
				if !yield(b, nil) {
					return
				}
			}
			if err != nil {
				yield("", wrap("buckets", err))
				return
			}
			seek = next
		}
	}
}

// bucketPage collects bucket names from seek on; next is where the next
// page starts, nil when there are no more.
func (s *Store) bucketPage(ctx context.Context, seek []byte) (page []string, next []byte, err error) {
	if err := s.begin(ctx); err != nil {
		return nil, nil, err
	}
	defer s.gate.Leave()
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	tag := []byte{recordTag}
	it := txn.NewIterator(bdg.IteratorOptions{Prefix: tag})
	defer it.Close()
	for it.Seek(seek); it.ValidForPrefix(tag); {
		if err := ctx.Err(); err != nil {
			return page, nil, err
		}
		key := it.Item().Key()
		n, w := binary.Uvarint(key[1:])
		if w <= 0 || n > uint64(len(key)-1-w) {
			// Not a key this package wrote; step over it.
			it.Next()
			continue
		}
		bucket := string(key[1+w : 1+w+int(n)])
		after := prefixEnd(bucketPrefix(bucket))
		if len(page) == bucketPageNames {
			return page, bucketPrefix(bucket), nil
		}
		page = append(page, bucket)
		if after == nil {
			break
		}
		it.Seek(after)
	}
	return page, nil, nil
}

// prefixEnd returns the smallest key greater than every key starting with
// p, or nil when there is none (p is all 0xff).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
