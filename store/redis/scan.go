package redis

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
)

// Scan yields every unexpired record of bucket. It runs SCAN with a MATCH
// pattern on the bucket's names and a COUNT of Options.ScanCount, on every
// master of a cluster (in parallel, one goroutine per master, all stopped
// before the sequence returns), and fetches each page's values with one
// pipeline of GETs. Each page is a round trip under Options.Timeout, not the
// whole scan. Keys that match the pattern but are not in this Store's name
// form (written by another program) are skipped; a value in the Store's
// namespace that this package did not write is yielded as a Record with
// only Bucket set and an error matching [ErrCorrupt] (and
// [store.ErrCorrupt]; a [*store.RecordError] holding its key), and the scan
// goes on; any other error ends it. As SCAN may return a key twice, Scan remembers the
// keys it has yielded until it ends, so its memory grows with the bucket.
func (s *Store) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Record{}, err)
			return
		}
		// SCAN may return a key twice (when the server resizes its tables
		// between pages, or a cluster moves a slot); the contract wants each
		// record once.
		seen := make(map[string]struct{})
		once := func(it scanItem) bool {
			if it.err != nil {
				return yield(store.Record{Bucket: bucket}, it.err)
			}
			r := it.rec
			if _, dup := seen[string(r.Key)]; dup {
				return true
			}
			seen[string(r.Key)] = struct{}{}
			return yield(r, nil)
		}
		var err error
		if s.nodes == nil {
			err = s.scanNode(ctx, s.client, bucket, func(batch []scanItem) bool {
				for _, r := range batch {
					if !once(r) {
						return false
					}
				}
				return true
			})
		} else {
			err = s.scanNodes(ctx, bucket, once)
		}
		if err != nil && !errors.Is(err, errStopped) {
			yield(store.Record{}, err)
		}
	}
}

// scanItem is a record that Scan yields, or the error of one stored value.
type scanItem struct {
	rec store.Record
	err error
}

// errStopped ends a node's scan when the consumer stopped; it never reaches
// the caller.
var errStopped = errors.New("store/redis: scan stopped")

// scanNodes scans every node in parallel and yields from the caller's
// goroutine, as iter.Seq2 requires. It returns only once every goroutine it
// started has ended, also when yield stops early or panics.
func (s *Store) scanNodes(parent context.Context, bucket string, yield func(scanItem) bool) error {
	ctx, cancel := context.WithCancel(parent)
	batches := make(chan []scanItem)
	done := make(chan struct{})
	var (
		once     sync.Once
		firstErr error // set before cancel, read after done
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err })
		cancel() // the other nodes stop too
	}
	go func() {
		defer close(done)
		defer close(batches)
		err := recovered("scan", func() error {
			return s.nodes(ctx, s.scanEachNode(bucket, batches, fail))
		})
		if err != nil {
			// An error before any node ran, such as loading the cluster's
			// layout; a node's own error is already recorded.
			fail(s.mapErr(parent, "scan", err, false))
		}
	}()
	defer func() {
		cancel()
		for range batches { // unblock the senders
		}
		<-done
	}()
	for batch := range batches {
		for _, r := range batch {
			if !yield(r) {
				return errStopped
			}
		}
	}
	<-done
	switch {
	case firstErr != nil && !errors.Is(firstErr, errStopped):
		return firstErr
	case parent.Err() != nil: // a node saw the caller's context end
		return fmt.Errorf("store/redis: scan: %w", parent.Err())
	}
	return nil
}

// scanEachNode returns the function scanNodes runs on each node: it scans
// the node and sends its pages to batches until ctx ends.
func (s *Store) scanEachNode(bucket string, batches chan<- []scanItem, fail func(error)) func(context.Context, *goredis.Client) error {
	return func(ctx context.Context, node *goredis.Client) error {
		err := s.scanNode(ctx, node, bucket, func(batch []scanItem) bool {
			select {
			case batches <- batch:
				return true
			case <-ctx.Done():
				return false
			}
		})
		if err != nil {
			fail(err)
		}
		return err
	}
}

// scanNode scans one server, handing each page of records to emit until
// the cursor comes back to 0 or emit returns false. node runs SCAN; values
// are fetched through s.client, which in a cluster routes each GET to the
// slot's current owner.
func (s *Store) scanNode(ctx context.Context, node goredis.Cmdable, bucket string, emit func([]scanItem) bool) error {
	prefix := s.names.bucketPrefix(bucket)
	match := s.names.match(bucket)
	var cursor uint64
	for {
		if err := s.check(ctx); err != nil {
			return err
		}
		var names []string
		err := s.call(ctx, "scan", func(ctx context.Context) error {
			var err error
			names, cursor, err = node.Scan(ctx, cursor, match, int64(s.scanCount)).Result()
			return err
		})
		if err != nil {
			return err
		}
		if len(names) > 0 {
			batch, err := s.fetch(ctx, bucket, prefix, names)
			if err != nil {
				return err
			}
			if len(batch) > 0 && !emit(batch) {
				return errStopped
			}
		}
		if cursor == 0 {
			return nil
		}
	}
}

// fetch reads the values of names, a page of SCAN, in one pipeline, and
// returns the unexpired records among them. Names not in this Store's form
// and keys removed since the SCAN are left out.
func (s *Store) fetch(ctx context.Context, bucket, prefix string, names []string) ([]scanItem, error) {
	keys := make([][]byte, 0, len(names))
	ours := make([]string, 0, len(names))
	for _, name := range names {
		if k, ok := key(name, prefix); ok {
			keys = append(keys, k)
			ours = append(ours, name)
		}
	}
	if len(ours) == 0 {
		return nil, nil
	}
	cmds := make([]*goredis.StringCmd, len(ours))
	err := s.call(ctx, "scan", func(ctx context.Context) error {
		_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for i, name := range ours {
				cmds[i] = p.Get(ctx, name)
			}
			return nil
		})
		if errors.Is(err, goredis.Nil) {
			err = nil // a key removed since SCAN; the loop below finds real errors
		}
		for _, c := range cmds {
			if cerr := c.Err(); err == nil && cerr != nil && !errors.Is(cerr, goredis.Nil) {
				err = cerr
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	batch := make([]scanItem, 0, len(cmds))
	for i, c := range cmds {
		raw, err := c.Bytes()
		if err != nil { // goredis.Nil: removed since SCAN
			continue
		}
		value, exp, err := decodeValue(raw)
		if err != nil {
			// Named by its storage name, which is a keyed hash when the
			// encrypt layer is above; it goes on to the next record.
			re := &store.RecordError{Bucket: bucket, Key: keys[i], Err: fmt.Errorf("%s: %w", ours[i], err)}
			batch = append(batch, scanItem{err: fmt.Errorf("store/redis: scan: %w", re)})
			continue
		}
		r := store.Record{Bucket: bucket, Key: keys[i], Value: value, ExpireAt: exp}
		if !r.Expired(now) {
			batch = append(batch, scanItem{rec: r})
		}
	}
	return batch, nil
}
