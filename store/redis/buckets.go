package redis

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
)

var _ store.BucketLister = (*Store)(nil)

// Buckets yields the buckets that hold a key of this Store, sorted. It
// runs SCAN with a MATCH pattern on the Store's prefix over every master
// (one at a time), COUNT Options.ScanCount, each page a round trip under
// Options.Timeout, and decodes each name's bucket part; names not in the
// Store's form are left out. It visits every key, so it costs what a Scan
// of every bucket costs without fetching values, and it holds the set of
// bucket names until it has them all. A key past its expiry that Redis
// has not removed yet may make its bucket appear.
func (s *Store) Buckets(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := s.check(ctx); err != nil {
			yield("", fmt.Errorf("store/redis: buckets: %w", err))
			return
		}
		var mu sync.Mutex
		set := make(map[string]struct{})
		scan := func(ctx context.Context, node goredis.Cmdable) error {
			return s.bucketNames(ctx, node, func(b string) {
				mu.Lock()
				set[b] = struct{}{}
				mu.Unlock()
			})
		}
		var err error
		if s.nodes == nil {
			err = scan(ctx, s.client)
		} else {
			err = s.nodes(ctx, func(ctx context.Context, node *goredis.Client) error { return scan(ctx, node) })
			if err != nil && !strings.HasPrefix(err.Error(), "store/redis:") {
				err = s.mapErr(ctx, "buckets", err, false)
			}
		}
		if err != nil {
			yield("", err)
			return
		}
		names := make([]string, 0, len(set))
		for b := range set {
			names = append(names, b)
		}
		slices.Sort(names)
		for _, b := range names {
			if !yield(b, nil) {
				return
			}
		}
	}
}

// bucketNames scans one server for the Store's names and hands the bucket
// of each to add.
func (s *Store) bucketNames(ctx context.Context, node goredis.Cmdable, add func(string)) error {
	match := s.names.pattern + "*"
	var cursor uint64
	for {
		if err := s.check(ctx); err != nil {
			return fmt.Errorf("store/redis: buckets: %w", err)
		}
		var names []string
		err := s.call(ctx, "buckets", func(ctx context.Context) error {
			var err error
			names, cursor, err = node.Scan(ctx, cursor, match, int64(s.scanCount)).Result()
			return err
		})
		if err != nil {
			return err
		}
		for _, name := range names {
			if b, ok := s.names.bucket(name); ok {
				add(b)
			}
		}
		if cursor == 0 {
			return nil
		}
	}
}

// bucket returns the bucket of name, a key of this Store's form, and false
// for a name that is not one (written by another program, or by a store
// whose prefix extends this one's).
func (n namer) bucket(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, n.prefix)
	if !ok {
		return "", false
	}
	enc, keyEnc, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false
	}
	b, err := b64.DecodeString(enc)
	if err != nil || b64.EncodedLen(len(b)) != len(enc) {
		return "", false
	}
	if _, ok := key(keyEnc, ""); !ok {
		return "", false
	}
	return string(b), true
}
