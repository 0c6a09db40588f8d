package layer_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// failAt is a Transform that fails, or panics, for the keys it names and
// passes every other value through.
type failAt struct {
	fail  map[string]bool
	panic string
}

func (f failAt) Encode(dst []byte, r store.Record) ([]byte, error) {
	if string(r.Key) == f.panic {
		panic("failAt: " + f.panic)
	}
	if f.fail[string(r.Key)] {
		return dst, fmt.Errorf("failAt: %s", r.Key)
	}
	return append(dst, r.Value...), nil
}

func (failAt) Decode(dst []byte, r store.Record) ([]byte, error) { return append(dst, r.Value...), nil }

func bigBatch(n int) []store.Record {
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%04d", i), Value: fmt.Appendf(nil, "value %d", i)}
	}
	return rs
}

// TestPutBatchParallel checks that a batch large enough to be encoded on
// several goroutines stores every record under its own key, through a
// transform and an encrypt stage, and that an error names the first
// failing record in batch order, as a loop would.
func TestPutBatchParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	ctx := context.Background()
	const n = 1000
	mem := store.NewMemory()
	s := layer.Chain(mem, layer.FromTransform(suffix('s')), benchEncrypt(t))
	defer wbClose(t, s)
	if err := store.PutBatch(ctx, s, bigBatch(n)); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r, err := s.Get(ctx, "b", fmt.Appendf(nil, "k%04d", i))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if want := fmt.Sprintf("value %d", i); string(r.Value) != want {
			t.Fatalf("record %d holds %q, want %q", i, r.Value, want)
		}
	}

	bad := layer.Chain(store.NewMemory(), layer.FromTransform(failAt{fail: map[string]bool{"k0990": true, "k0600": true, "k0601": true}}))
	defer wbClose(t, bad)
	err := store.PutBatch(ctx, bad, bigBatch(n))
	if err == nil || !strings.Contains(err.Error(), "failAt: k0600") {
		t.Fatalf("PutBatch = %v, want the error of k0600", err)
	}
}

// TestPutBatchParallelPanic checks that a Transform panicking on one of
// the goroutines of a large batch panics in the caller's goroutine, where
// the Store recovers it, rather than ending the process.
func TestPutBatchParallelPanic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	s := layer.Chain(store.NewMemory(), layer.FromTransform(failAt{panic: "k0700"}))
	defer wbClose(t, s)
	defer func() {
		r := recover()
		if msg, _ := r.(string); msg != "failAt: k0700" {
			t.Fatalf("recovered %v, want the Transform's panic", r)
		}
	}()
	_ = store.PutBatch(context.Background(), s, bigBatch(1000))
	t.Fatal("PutBatch returned")
}
