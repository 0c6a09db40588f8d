package sqlite

import (
	"context"
	"fmt"
	"iter"

	"github.com/livedict/livedict/store"
)

var _ store.BucketLister = (*Store)(nil)

// bucketPageRows is how many bucket names one read transaction of Buckets
// returns.
const bucketPageRows = 512

const (
	sqlBuckets = `SELECT DISTINCT bucket FROM livedict_records
	WHERE expire_at = 0 OR expire_at > ?1 ORDER BY bucket LIMIT ?2`
	sqlBucketsAfter = `SELECT DISTINCT bucket FROM livedict_records
	WHERE bucket > ?3 AND (expire_at = 0 OR expire_at > ?1) ORDER BY bucket LIMIT ?2`
)

// Buckets yields the buckets holding an unexpired record, in byte order,
// reading a page of names at a time in a read transaction that ends before
// the names are yielded (the primary key's index serves it).
func (s *Store) Buckets(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		after, first := "", true
		for {
			page, err := s.bucketPage(ctx, after, first)
			if err != nil {
				yield("", fmt.Errorf("sqlite: buckets: %w", err))
				return
			}
			for _, b := range page {
				if !yield(b, nil) {
					return
				}
			}
			if len(page) < bucketPageRows {
				return
			}
			after, first = page[len(page)-1], false
		}
	}
}

func (s *Store) bucketPage(ctx context.Context, after string, first bool) (page []string, err error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.gate.Leave()
	q, args := sqlBuckets, []any{nowMillis(), bucketPageRows}
	if !first {
		q, args = sqlBucketsAfter, append(args, after)
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := rows.Close(); err == nil && cerr != nil {
			page, err = nil, cerr
		}
	}()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		page = append(page, b)
	}
	return page, rows.Err()
}
