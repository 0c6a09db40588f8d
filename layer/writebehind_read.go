package layer

import (
	"context"
	"iter"
	"time"

	"github.com/livedict/livedict/store"
)

// This file holds the reads of a WriteBehindStage, which look at the queue
// before the next stage.

// pending returns the queued or in-flight write of bucket and key.
func (s *WriteBehindStage) pending(bucket string, key []byte) (rec store.Record, del, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.queued[wbKey{bucket, string(key)}]
	if e == nil {
		e = s.inflight[wbKey{bucket, string(key)}]
	}
	if e == nil {
		return store.Record{}, false, false
	}
	return e.rec, e.del, true
}

// Get returns the queued write of the key if there is one, and otherwise
// the next stage's record.
func (s *WriteBehindStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := s.check(ctx); err != nil {
		return store.Record{}, wbWrap("get", err)
	}
	rec, del, ok := s.pending(bucket, key)
	if !ok {
		r, err := s.next.Get(ctx, bucket, key)
		return r, wbWrap("get", err)
	}
	if del || rec.Expired(time.Now()) {
		return store.Record{}, wbWrap("get", store.ErrNotFound)
	}
	// Queued records are replaced, never modified, so copying outside the
	// lock is safe.
	return rec.Clone(), nil
}

// Scan yields the bucket's queued puts, then the next stage's records whose
// keys have no queued write. It is weakly consistent.
func (s *WriteBehindStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Record{}, wbWrap("scan", err))
			return
		}
		shadow, puts := s.snapshot(bucket)
		now := time.Now()
		for _, r := range puts {
			if r.Expired(now) {
				continue
			}
			if !yield(r.Clone(), nil) {
				return
			}
		}
		for r, err := range s.next.Scan(ctx, bucket) {
			if err != nil {
				yield(store.Record{}, wbWrap("scan", err))
				return
			}
			if _, ok := shadow[string(r.Key)]; ok {
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// snapshot returns the keys of bucket with a write queued or in flight, and
// the puts among those writes, the queued one winning over the one in
// flight.
func (s *WriteBehindStage) snapshot(bucket string) (map[string]struct{}, []store.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	shadow := make(map[string]struct{})
	var puts []store.Record
	for _, m := range []map[wbKey]*wbEntry{s.queued, s.inflight} {
		for k, e := range m {
			if k.bucket != bucket {
				continue
			}
			if _, seen := shadow[k.key]; seen {
				continue
			}
			shadow[k.key] = struct{}{}
			if !e.del {
				puts = append(puts, e.rec)
			}
		}
	}
	return shadow, puts
}
