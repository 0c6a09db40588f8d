package layer

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/livedict/livedict/internal/arena"
	"github.com/livedict/livedict/store"
)

// Layer wraps the next stage of the pipeline, as an http middleware wraps a
// handler. It is called once, when the pipeline is built, and the Stage it
// returns must keep the contract of package store.
type Layer func(next store.Stage) store.Stage

// Chain returns backend wrapped by layers, the first layer outermost:
// Chain(backend, a, b) is a(b(backend)). Writes pass through a, then b, then
// reach the backend; reads come back in exactly the reverse order. With no
// layers Chain returns backend itself.
func Chain(backend store.Stage, layers ...Layer) store.Stage {
	s := backend
	for i := len(layers) - 1; i >= 0; i-- {
		s = layers[i](s)
	}
	return s
}

// Transform changes values on their way to the backend and back. Both
// methods may append to dst (which may be nil) and return the result; they
// must not modify r's slices, and must be safe for concurrent use.
type Transform interface {
	// Encode returns the value to store for r.
	Encode(dst []byte, r store.Record) ([]byte, error)
	// Decode undoes Encode: given r as the next stage returned it, it returns
	// the value Encode was given. It returns an error for a value Encode did
	// not produce, such as foreign or corrupt data, and never panics.
	Decode(dst []byte, r store.Record) ([]byte, error)
}

// FromTransform returns a Layer that applies t: Encode on Put and PutBatch,
// Decode on Get and on every record Scan yields. The Stage it returns always
// implements [store.BatchPutter], calling the next stage's PutBatch when it
// has one and Put for each record otherwise, and passes Flush, Ping and
// NativeTTL on to the next stage. Delete and Close go straight
// to the next stage. Errors are wrapped as "layer: <op>: ..." so that
// errors.Is still finds the sentinels of package store, ctx.Err() and
// [ErrCorrupt].
func FromTransform(t Transform) Layer {
	return func(next store.Stage) store.Stage {
		return &transformStage{t: t, next: next}
	}
}

// transformStage is the Stage FromTransform builds.
type transformStage struct {
	t      Transform
	next   store.Stage
	closed atomic.Bool
}

var (
	_ store.Stage       = (*transformStage)(nil)
	_ store.BatchPutter = (*transformStage)(nil)
	_ store.Flusher     = (*transformStage)(nil)
	_ store.Pinger      = (*transformStage)(nil)
	_ store.NativeTTL   = (*transformStage)(nil)
)

// Flush passes Flush on to the next stage (nil when it buffers nothing).
func (s *transformStage) Flush(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return wrap("flush", err)
	}
	return wrap("flush", capFlush(ctx, s.next))
}

// Ping passes Ping on to the next stage (nil when it cannot be pinged).
func (s *transformStage) Ping(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return wrap("ping", err)
	}
	return wrap("ping", capPing(ctx, s.next))
}

// NativeTTL reports the next stage's NativeTTL.
func (s *transformStage) NativeTTL() bool { return capNativeTTL(s.next) }

// check makes the open and context checks itself, so that no encoding or
// decoding work is done for a call that must fail anyway.
func (s *transformStage) check(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return ctx.Err()
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("layer: %s: %w", op, err)
}

// transformBuffers holds the buffers Put encodes into: the next stage
// copies what it keeps, so a buffer is free again once its Put returns.
var transformBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledTransform bounds the buffers kept in transformBuffers, so one
// huge value does not pin its memory.
const maxPooledTransform = 64 << 10

func (s *transformStage) decode(r store.Record) (store.Record, error) {
	v, err := s.t.Decode(nil, r)
	if err != nil {
		return store.Record{}, err
	}
	r.Value = v
	return r, nil
}

// Put encodes r's value and stores the result in the next stage.
func (s *transformStage) Put(ctx context.Context, r store.Record) error {
	if err := s.check(ctx); err != nil {
		return wrap("put", err)
	}
	buf := transformBuffers.Get().(*[]byte)
	v, err := s.t.Encode((*buf)[:0], r)
	if err != nil {
		transformBuffers.Put(buf)
		return wrap("put", err)
	}
	r.Value = v
	err = s.next.Put(ctx, r)
	switch {
	case cap(v) > maxPooledTransform:
	case arena.SameMemory(v, *buf):
		// The buffer held what the Transform was given, plaintext
		// perhaps: wipe it, as the encryption layer does its envelopes.
		clear(v)
		*buf = v[:0]
		transformBuffers.Put(buf)
	default:
		// The Transform grew dst into new memory, or returned memory of
		// its own, which is not ours to reuse: grow the pooled buffer so
		// that next time it has room.
		*buf = slices.Grow((*buf)[:0], cap(v))
		transformBuffers.Put(buf)
	}
	return wrap("put", err)
}

// batchRecords holds the record slices PutBatch hands to the next stage,
// between batches: like the arenas, they are needed only until the next
// stage's PutBatch returns.
var batchRecords arena.Slices[store.Record]

// PutBatch encodes every record, then stores them with one PutBatch of the
// next stage, or with one Put each when it has no PutBatch.
func (s *transformStage) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := s.check(ctx); err != nil {
		return wrap("put batch", err)
	}
	// The values are encoded into arenas (package internal/arena), in
	// parts on several goroutines for a large batch (parallel.go), each
	// given room for itself and a quarter more (what compression may
	// add); a value the Transform puts in other memory (having grown dst,
	// or returning memory of its own) is used as it is. The arenas held
	// what the Transform was given, plaintext perhaps, so they are wiped.
	encp := batchRecords.Get(len(rs))
	defer batchRecords.Put(encp)
	enc := *encp
	if parts := partsFor(len(rs)); parts > 1 {
		as, err := encodeParts(len(rs), parts, func(a *arena.Arena, lo, hi int) error {
			return s.encodeRange(a, rs[lo:hi], enc[lo:hi])
		})
		defer freeArenas(as, true)
		if err != nil {
			return wrap("put batch", err)
		}
	} else {
		a := arena.Get()
		defer a.Free(true)
		if err := s.encodeRange(a, rs, enc); err != nil {
			return wrap("put batch", err)
		}
	}
	return wrap("put batch", store.PutBatch(ctx, s.next, enc))
}

// encodeRange encodes each record of rs into enc, in memory from a.
func (s *transformStage) encodeRange(a *arena.Arena, rs, enc []store.Record) error {
	for i, r := range rs {
		room := a.Room(len(r.Value) + len(r.Value)/4 + 64)
		v, err := s.t.Encode(room, r)
		if err != nil {
			return err
		}
		r.Value = a.Keep(room, v)
		enc[i] = r
	}
	return nil
}

// Get reads the record from the next stage and decodes its value.
func (s *transformStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := s.check(ctx); err != nil {
		return store.Record{}, wrap("get", err)
	}
	r, err := s.next.Get(ctx, bucket, key)
	if err != nil {
		return store.Record{}, wrap("get", err)
	}
	r, err = s.decode(r)
	return r, wrap("get", err)
}

// Delete removes the record from the next stage.
func (s *transformStage) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := s.check(ctx); err != nil {
		return wrap("delete", err)
	}
	return wrap("delete", s.next.Delete(ctx, bucket, key))
}

// Scan yields the next stage's records with their values decoded. A value
// that does not decode is yielded as a [*store.RecordError] (with the
// record's Key, never shown) and the scan goes on, as it does after a
// RecordError of the next stage; any other error ends the sequence.
func (s *transformStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Record{}, wrap("scan", err))
			return
		}
		for r, err := range s.next.Scan(ctx, bucket) {
			if err == nil {
				key := r.Key
				if r, err = s.decode(r); err != nil {
					err = &store.RecordError{Bucket: bucket, Key: key, Err: err}
				}
			}
			if err != nil {
				if !yield(store.Record{}, wrap("scan", err)) || !store.IsRecordError(err) {
					return
				}
				continue
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Close closes the next stage. Later calls return nil.
func (s *transformStage) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return wrap("close", s.next.Close())
}

// errUnknownAlgorithm is returned by every Put of a Compress layer built with
// an algorithm it does not know.
var errUnknownAlgorithm = errors.New("layer: unknown compression algorithm")
