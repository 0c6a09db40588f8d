package layer_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// stubborn is a Stage whose writes wait for gate whatever their context
// says, then go on: a backend call that outlives its deadline.
type stubborn struct {
	store.Stage
	gate chan struct{}
}

func (s stubborn) Put(_ context.Context, r store.Record) error {
	<-s.gate
	return s.Stage.Put(context.Background(), r)
}

func (s stubborn) PutBatch(_ context.Context, rs []store.Record) error {
	<-s.gate
	return store.PutBatch(context.Background(), s.Stage, rs)
}

func (s stubborn) Delete(_ context.Context, bucket string, key []byte) error {
	<-s.gate
	return s.Stage.Delete(context.Background(), bucket, key)
}

// TestBreakerCopiesArguments checks that a call the breaker abandons at
// its deadline, and that goes on afterwards, writes what it was given,
// even though the caller reused that memory as soon as the breaker
// returned (which the store contract allows).
func TestBreakerCopiesArguments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		wbPut(t, mem, wbRec("b", "keep", "kept"))
		st := stubborn{mem, make(chan struct{})}
		b := breaker(t, st, layer.BreakerOptions{Timeout: time.Second, Failures: 100}, nil)
		ctx := t.Context()
		key, value := []byte("k1"), []byte("one")
		bkey, bvalue := []byte("k2"), []byte("two")
		dkey := []byte("k3")
		wbPut(t, mem, wbRec("b", "k3", "three"))
		for name, call := range map[string]func() error{
			"put":       func() error { return b.Put(ctx, store.Record{Bucket: "b", Key: key, Value: value}) },
			"put batch": func() error { return b.PutBatch(ctx, []store.Record{{Bucket: "b", Key: bkey, Value: bvalue}}) },
			"delete":    func() error { return b.Delete(ctx, "b", dkey) },
		} {
			if err := call(); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s = %v, want DeadlineExceeded", name, err)
			}
		}
		for _, s := range [][]byte{key, value, bkey, bvalue, dkey} {
			copy(s, "keep")
		}
		close(st.gate)
		synctest.Wait()
		for k, want := range map[string]string{"k1": "one", "k2": "two", "k3": "<missing>", "keep": "kept"} {
			if got := wbValue(t, mem, "b", k); got != want {
				t.Errorf("%s holds %q, want %q", k, got, want)
			}
		}
		wbClose(t, b)
	})
}
