package livedict

import (
	"context"
	"errors"
	"time"

	"github.com/livedict/livedict/store"
)

// ErrNotPersisted is returned by Load, Warm and Flush on a store without
// Options.Persist, and by Load and Warm on a bucket whose persistence is
// PersistNone.
var ErrNotPersisted = errors.New("livedict: bucket is not persisted")

// Load returns the value of key: from memory when it is there, else from
// the backend (storing it in memory with the expiry it was persisted
// with), else from Persist.Loader (storing and persisting it as Set does).
// Concurrent Loads of one key share one backend read and one Loader call;
// each caller's ctx bounds only its own wait, while the shared work runs
// until it ends or Persist.Timeout passes. Load returns an error matching
// ErrNotFound when no stage has the key, ErrNotPersisted when the bucket
// is not persisted and has no Loader, and ctx.Err() when ctx ends first.
// A guarded entry (SetOptions.Token) is not returned: Load reports
// ErrNotFound for it without reading the backend.
func (v *View[K, V]) Load(ctx context.Context, key K) (V, error) {
	var zero V
	c := v.c
	if e := c.lookup(v.b, key); e != nil {
		if val, ok := c.get(v.b, key, ""); ok {
			return val, nil
		}
		return zero, ErrNotFound
	}
	if c.closed.Load() {
		return zero, ErrClosed
	}
	p := c.pst
	if p == nil {
		return zero, ErrNotPersisted
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	kb, err := p.cfg.KeyCodec.EncodeKey(nil, key)
	if err != nil {
		return zero, &PersistError{Op: "encode", Bucket: v.b.name, Err: err}
	}
	flight := v.b.name + "\x00" + string(kb)
	ch := p.flights.DoChan(flight, func() (any, error) {
		// The shared work outlives any one caller's context.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.Timeout)
		defer cancel()
		return v.loadOnce(wctx, key, kb)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		return res.Val.(V), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// loadOnce is the work one flight of Load does.
func (v *View[K, V]) loadOnce(ctx context.Context, key K, kb []byte) (V, error) {
	var zero V
	c, p := v.c, v.c.pst
	if e := c.lookup(v.b, key); e != nil {
		if e.guarded() {
			return zero, ErrNotFound
		}
		val, _ := c.valueOf(e)
		return val, nil
	}
	if v.b.pmode.Load() != pmNone {
		// A write the backend has not seen yet is newer than its record.
		if e, del, found := p.pendingOp(v.b, key); found {
			if del {
				return zero, ErrNotFound
			}
			val, present, err := v.restore(e)
			if err != nil {
				return zero, err
			}
			if present {
				return val, nil
			}
		}
		r, err := p.pipe.Get(ctx, v.b.name, kb)
		switch {
		case err == nil:
			val, present, _, err := v.rehydrate(r)
			if err != nil {
				p.errs.Add(1)
				p.report(err)
				return zero, err
			}
			if present {
				return val, nil
			}
			// Expired between the backend's check and ours: a miss.
		case !errors.Is(err, store.ErrNotFound):
			return zero, &PersistError{Op: "get", Bucket: v.b.name, Err: err}
		}
	}
	if p.cfg.Loader == nil {
		if v.b.pmode.Load() == pmNone {
			return zero, ErrNotPersisted
		}
		return zero, ErrNotFound
	}
	val, ttl, err := p.cfg.Loader(ctx, v.b.name, key)
	if err != nil {
		return zero, err
	}
	old, stored, err := c.write(ctx, v.b, key, val, ttl, nil, modeIfAbsent, nil)
	if err != nil && !stored {
		return zero, err
	}
	if !stored && old != nil && !old.guarded() {
		val, _ := c.valueOf(old) // a Set won the race; it is the newer value
		return val, nil
	}
	return val, err
}

// rehydrate decodes r and stores it in memory with its persisted expiry,
// unless the key has meanwhile been written. It reports the value now in
// memory, whether there is one, and whether it was r that stored it.
func (v *View[K, V]) rehydrate(r store.Record) (val V, present, stored bool, err error) {
	p := v.c.pst
	val, err = p.cfg.Codec.Decode(r.Value)
	if err != nil {
		return val, false, false, &PersistError{Op: "decode", Bucket: v.b.name, Err: err}
	}
	ttl := NoExpiry
	if !r.ExpireAt.IsZero() {
		if ttl = time.Until(r.ExpireAt); ttl <= 0 {
			return val, false, false, nil
		}
	}
	key, err := p.cfg.KeyCodec.DecodeKey(r.Key)
	if err != nil {
		return val, false, false, &PersistError{Op: "decode", Bucket: v.b.name, Err: err}
	}
	old, stored, err := v.c.write(context.Background(), v.b, key, val, ttl, nil, modeLoad, nil)
	switch {
	case err != nil:
		return val, false, false, err
	case stored:
		return val, true, true, nil
	case old.guarded():
		return val, false, false, nil
	}
	val, _ = v.c.valueOf(old)
	return val, true, false, nil
}

// restore puts back in memory the value of e, an entry that left memory
// (evicted) while its write was still queued, unless it has expired or
// the key has been written since.
func (v *View[K, V]) restore(e *entry[K, V]) (V, bool, error) {
	var zero V
	val, ok := v.c.valueOf(e)
	if !ok {
		return zero, false, nil
	}
	ttl := NoExpiry
	if d := e.Deadline(); d != 0 {
		if ttl = time.Duration(d - v.c.clock.now()); ttl <= 0 {
			return zero, false, nil
		}
	}
	old, stored, err := v.c.write(context.Background(), v.b, e.key, val, ttl, nil, modeLoad, nil)
	switch {
	case err != nil:
		return zero, false, err
	case stored:
		return val, true, nil
	case old.guarded():
		return zero, false, nil
	}
	val, _ = v.c.valueOf(old)
	return val, true, nil
}

// Warm loads every unexpired record of the bucket from the backend into
// memory, with its persisted expiry, and returns how many it stored. Keys
// already in memory keep their value. A record that does not decode is
// reported to Persist.OnError and skipped; a backend failure, a full
// store (ErrFull) or the end of ctx stops Warm and is returned.
func (v *View[K, V]) Warm(ctx context.Context) (int, error) {
	p := v.c.pst
	if p == nil || v.b.pmode.Load() == pmNone {
		return 0, ErrNotPersisted
	}
	n := 0
	for r, err := range p.pipe.Scan(ctx, v.b.name) {
		if err != nil {
			return n, &PersistError{Op: "scan", Bucket: v.b.name, Err: err}
		}
		_, _, stored, err := v.rehydrate(r)
		if err != nil {
			if errors.Is(err, ErrFull) || errors.Is(err, ErrClosed) {
				return n, err
			}
			p.errs.Add(1)
			p.report(err)
			continue
		}
		if stored {
			n++
		}
	}
	return n, nil
}

// Warm loads every persisted bucket the store knows (the default bucket,
// those in Options.Buckets and those created since) from the backend, as
// View.Warm does, and returns the total stored.
func (s *Store[K, V]) Warm(ctx context.Context) (int, error) {
	if s.c.pst == nil {
		return 0, ErrNotPersisted
	}
	total := 0
	for _, b := range *s.c.buckets.list.Load() {
		if b.pmode.Load() == pmNone {
			continue
		}
		n, err := (&View[K, V]{c: s.c, b: b}).Warm(ctx)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Flush writes every write-behind write made before the call to the
// backend and returns nil once the backend has acknowledged them all (and
// flushed, if it buffers writes itself): Flush is the durability point of
// write-behind buckets. It returns the error of a write it could not make
// (the writes stay queued and are retried), ctx.Err() when ctx ends first,
// ErrClosed after Close and ErrNotPersisted without Options.Persist.
func (s *Store[K, V]) Flush(ctx context.Context) error {
	if s.c.pst == nil {
		return ErrNotPersisted
	}
	if s.c.closed.Load() {
		return ErrClosed
	}
	return s.c.pst.flush(ctx)
}

// Rotate re-seals every persisted record of every persisted bucket the
// store knows under the keyring's current primary key, after flushing
// what is queued, and returns how many records it re-sealed. Rotation is:
// Keyring.Add the new key, Keyring.SetPrimary it (new writes use it at
// once), Rotate, then Keyring.Remove the old key. Rotate can be run again
// after an interruption: records already under the primary are skipped.
// With Persist.Plaintext there is nothing to re-seal and Rotate returns 0.
func (s *Store[K, V]) Rotate(ctx context.Context) (int, error) {
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	p := s.c.pst
	if p.enc == nil {
		return 0, nil
	}
	total := 0
	for _, b := range *s.c.buckets.list.Load() {
		if b.pmode.Load() == pmNone {
			continue
		}
		n, err := p.enc.Rotate(ctx, b.name)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Backend returns the pipeline the store persists through: the backend
// wrapped in the layers Options.Persist configured (compression,
// encryption, Persist.Layers), or nil without Options.Persist. Use it for
// what the Store does not wrap, such as pinging the backend. Writing to it
// directly bypasses memory.
func (s *Store[K, V]) Backend() store.Stage {
	if s.c.pst == nil {
		return nil
	}
	return s.c.pst.pipe
}
