package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/livedict/livedict/store"
)

// wrap is a minimal layer: it forwards everything and exposes Unwrap.
type wrap struct {
	store.Stage
	puts int
}

func (w *wrap) Unwrap() store.Stage { return w.Stage }

func (w *wrap) Put(ctx context.Context, r store.Record) error {
	w.puts++
	return w.Stage.Put(ctx, r)
}

// onlyPut hides every capability of the stage it holds.
type onlyPut struct{ store.Stage }

func TestAsFindsWrappedStage(t *testing.T) {
	mem := store.NewMemory()
	defer mem.Close()
	outer := &wrap{Stage: &wrap{Stage: mem}}
	got, ok := store.As[*store.Memory](outer)
	if !ok || got != mem {
		t.Fatalf("As[*Memory] = %v, %v; want the memory backend", got, ok)
	}
	if w, ok := store.As[*wrap](outer); !ok || w != outer {
		t.Fatalf("As[*wrap] = %v, %v; want the outermost stage first", w, ok)
	}
	if _, ok := store.As[*store.Memory](onlyPut{mem}); ok {
		t.Fatal("As found a stage behind a wrapper without Unwrap")
	}
	if _, ok := store.As[store.Pinger](nil); ok {
		t.Fatal("As on nil found something")
	}
}

func TestPutBatchFallback(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory()
	defer mem.Close()
	w := &wrap{Stage: mem} // no PutBatch of its own: the loop runs
	rs := []store.Record{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Value: []byte("2")}}
	if err := store.PutBatch(ctx, w, rs); err != nil {
		t.Fatal(err)
	}
	if w.puts != 2 {
		t.Fatalf("fallback made %d Puts, want 2", w.puts)
	}
	if err := store.PutBatch(ctx, mem, rs); err != nil {
		t.Fatal(err)
	}
	mem.Close()
	if err := store.PutBatch(ctx, w, rs); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("PutBatch after Close = %v, want ErrClosed", err)
	}
}
