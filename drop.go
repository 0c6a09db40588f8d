package livedict

import (
	"context"

	"github.com/livedict/livedict/store"
)

// DropBucket removes the named bucket: its entries leave memory (OnDelete
// runs for each with ReasonCleared), its records leave the backend when
// the store persists it, and its id is freed for a bucket created later,
// so a program that makes and drops buckets never runs into MaxBuckets.
// Views of the bucket taken before fail every write with ErrBucketDropped
// and miss on reads; Bucket(name) afterwards makes a new, empty bucket.
// A bucket the store never registered but the backend holds is dropped
// from the backend too. The default bucket cannot be dropped.
//
// In a persisting store DropBucket first flushes (so no queued write of
// the bucket reaches the backend after its records are removed), then
// deletes every record of the bucket below the layers, by storage name,
// damaged records included. When either step fails DropBucket returns the
// error; the bucket stays dropped from memory, its id stays reserved (no
// write of the old bucket can then land in a new one), and calling
// DropBucket again with the same name finishes the removal.
func (s *Store[K, V]) DropBucket(ctx context.Context, name string) error {
	c := s.c
	if name == "" {
		return optionErr("DropBucket", "the default bucket cannot be dropped")
	}
	if c.closed.Load() {
		return ErrClosed
	}
	r := &c.buckets
	r.mu.Lock()
	var b *bucketState
	if v, ok := r.byName.Load(name); ok {
		b = v.(*bucketState)
		r.byName.Delete(name)
		err := ErrBucketDropped
		b.err.Store(&err)
		r.dropping = append(r.dropping, b)
	}
	persisted := c.pst != nil && (b == nil || b.pmode.Load() != pmNone)
	r.mu.Unlock()
	if b != nil {
		c.dropEntries(b)
	}
	if persisted {
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if err := guard("the backend", func() error { return deleteBucket(ctx, bottom(c.pst.pipe), name) }); err != nil {
			return &PersistError{Op: "drop bucket", Bucket: name, Err: err}
		}
	}
	r.release(name)
	return nil
}

// dropEntries removes every entry of b from memory. It visits each shard
// under its lock after b's error is set, and admit checks that error under
// the same lock, so once it returns no entry of b is left or can appear.
func (c *core[K, V]) dropEntries(b *bucketState) {
	var cleared []*entry[K, V]
	for i := range c.shards {
		sh := &c.shards[i]
		var gone []expired[K, V]
		sh.mu.Lock()
		gone, cleared = c.clearShard(sh, b, gone, cleared)
		sh.mu.Unlock()
		c.reaper.hand(gone...)
	}
	c.removed(cleared, ReasonCleared)
}

// release frees the ids of the dropped buckets named name, whose entries
// and queued writes are all gone.
func (r *buckets) release(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keep := r.dropping[:0]
	for _, b := range r.dropping {
		if b.name != name {
			keep = append(keep, b)
			continue
		}
		r.free = append(r.free, b.id)
	}
	clear(r.dropping[len(keep):])
	r.dropping = keep
}

// bottom returns the stage at the end of s's chain of Unwrap: the backend.
func bottom(s store.Stage) store.Stage {
	for {
		u, ok := s.(store.Unwrapper)
		if !ok {
			return s
		}
		s = u.Unwrap()
	}
}

// deleteBucket deletes every record of bucket from s, a backend, by the
// names it holds them under; records it cannot read are deleted by the
// name their error gives.
func deleteBucket(ctx context.Context, s store.Stage, bucket string) error {
	var names [][]byte
	for r, err := range s.Scan(ctx, bucket) {
		if err != nil {
			if !store.IsRecordError(err) {
				return err
			}
			if re := store.AsRecordError(err); re != nil {
				if re.Name != nil {
					names = append(names, re.Name)
				} else if re.Key != nil {
					names = append(names, re.Key)
				}
			}
			continue
		}
		names = append(names, r.Key)
	}
	for _, n := range names {
		if err := s.Delete(ctx, bucket, n); err != nil {
			return err
		}
	}
	return nil
}
