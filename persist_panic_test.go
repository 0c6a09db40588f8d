package livedict_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// panicValue is what the panicking stages and codecs below panic with; no
// error may quote it, since a real one may hold key material.
const panicValue = "secret-key-material"

// panickyStage panics in every call a Store makes on its pipeline.
type panickyStage struct{ store.Stage }

func (panickyStage) Put(context.Context, store.Record) error          { panic(panicValue) }
func (panickyStage) PutBatch(context.Context, []store.Record) error   { panic(panicValue) }
func (panickyStage) Delete(context.Context, string, []byte) error     { panic(panicValue) }
func (panickyStage) Flush(context.Context) error                      { panic(panicValue) }
func (panickyStage) Close() error                                     { panic(panicValue) }
func (panickyStage) Buckets(context.Context) iter.Seq2[string, error] { panic(panicValue) }
func (panickyStage) Scan(context.Context, string) iter.Seq2[store.Record, error] {
	return func(func(store.Record, error) bool) { panic(panicValue) }
}

// panickyCodec panics encoding any value.
type panickyCodec struct{ codec.Codec[int] }

func (panickyCodec) Encode([]byte, int) ([]byte, error) { panic(panicValue) }

// wantPanicked fails unless err matches ErrPanicked without quoting the
// panic's value.
func wantPanicked(t *testing.T, call string, err error) {
	t.Helper()
	if !errors.Is(err, livedict.ErrPanicked) {
		t.Errorf("%s = %v, want an error matching ErrPanicked", call, err)
		return
	}
	if strings.Contains(err.Error(), panicValue) {
		t.Errorf("%s = %q, which quotes the panic's value", call, err)
	}
}

// TestPanickingPipeline: a backend, layer or codec that panics fails the
// call that reached it, with an error matching ErrPanicked, on the
// caller's goroutine or the flusher's (where an unrecovered panic would end
// the process, and this test with it), and leaves the Store usable.
func TestPanickingPipeline(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		layers []layer.Layer
	}{
		{"backend", nil},
		// The breaker calls the next stage on goroutines of its own.
		{"behind a breaker", []layer.Layer{layer.Breaker(layer.BreakerOptions{})}},
	} {
		t.Run(c.name, func(t *testing.T) {
			newStore := func(mode livedict.Persistence) *livedict.Store[string, int] {
				return mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
					Backend: panickyStage{store.NewMemory()}, Layers: c.layers, Plaintext: true,
					Mode: mode, Retries: livedict.NoRetry, OnError: func(error) {},
				}})
			}

			s := newStore(livedict.WriteThrough)
			wantPanicked(t, "write-through Set", s.Set("k", 1, livedict.NoExpiry))
			if v, ok := s.Get("k"); !ok || v != 1 {
				t.Errorf("Get after the failed write-through Set = %v, %v; want the value kept in memory", v, ok)
			}
			_, err := s.Bucket("").DeleteContext(ctx, "k")
			wantPanicked(t, "write-through DeleteContext", err)
			_, err = s.Bucket("").Warm(ctx)
			wantPanicked(t, "Warm", err)
			wantPanicked(t, "Clear", s.Bucket("").ClearContext(ctx))
			wantPanicked(t, "Close", s.Close())

			s = newStore(livedict.WriteBehind)
			if err := s.Set("k", 1, livedict.NoExpiry); err != nil {
				t.Fatalf("write-behind Set = %v", err)
			}
			err = s.Flush(ctx)
			wantPanicked(t, "Flush after a write-behind Set", err)
			if !errors.Is(err, livedict.ErrWritesLost) {
				t.Errorf("Flush = %v, want the write given up (NoRetry) and counted", err)
			}
			if err := s.Set("k2", 2, livedict.NoExpiry); err != nil {
				t.Fatalf("Set after the failed drain = %v", err)
			}
			wantPanicked(t, "a second Flush", s.Flush(ctx))
			if err := s.Bucket("b").Set("k", 3, livedict.NoExpiry); err != nil {
				t.Fatalf("Set in bucket b = %v", err)
			}
			wantPanicked(t, "DropBucket", s.DropBucket(ctx, "b"))
			_ = s.Close()
		})
	}
}

// TestPanickingCodec: a codec that panics encoding a value gives that
// write up (retrying cannot help), reported as ErrPanicked, and the flusher
// goes on.
func TestPanickingCodec(t *testing.T) {
	ctx := context.Background()
	var reported error
	s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
		Backend: store.NewMemory(), Plaintext: true, Codec: panickyCodec{codec.JSON[int]()},
		OnError: func(err error) { reported = err },
	}})
	defer s.Close()
	if err := s.Set("k", 1, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	err := s.Flush(ctx)
	wantPanicked(t, "Flush", err)
	if !errors.Is(err, livedict.ErrWritesLost) {
		t.Errorf("Flush = %v, want the write given up", err)
	}
	wantPanicked(t, "the error OnError received", reported)
	if _, err := s.Bucket("").DeleteContext(ctx, "k"); err != nil {
		t.Fatalf("DeleteContext = %v", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Errorf("Flush after the key was deleted = %v, want nil: the lost write is superseded", err)
	}
}

// panickyReads stores and deletes, but panics listing or scanning.
type panickyReads struct{ *store.Memory }

func (panickyReads) Buckets(context.Context) iter.Seq2[string, error] { panic(panicValue) }
func (panickyReads) Scan(context.Context, string) iter.Seq2[store.Record, error] {
	return func(func(store.Record, error) bool) { panic(panicValue) }
}

// TestPanickingScan: the calls that list or scan the backend (Rotate,
// DropBucket, WarmAll) fail with ErrPanicked when it panics doing so.
func TestPanickingScan(t *testing.T) {
	ctx := context.Background()
	ring, nk := testKeys(t)
	s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
		Backend: panickyReads{store.NewMemory()}, Keyring: ring, NameKey: nk,
		Mode: livedict.WriteThrough, OnError: func(error) {},
	}})
	defer s.Close()
	if err := s.Bucket("b").Set("k", 1, livedict.NoExpiry); err != nil {
		t.Fatalf("Set = %v", err)
	}
	_, err := s.Rotate(ctx)
	wantPanicked(t, "Rotate", err)
	_, err = s.WarmAll(ctx)
	wantPanicked(t, "WarmAll", err)
	wantPanicked(t, "DropBucket", s.DropBucket(ctx, "b"))
}
