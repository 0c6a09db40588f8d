package faulty_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
	"github.com/livedict/livedict/store/storetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// plain hides every method of a Stage but the Stage interface's, so
// Faulty must emulate PutBatch.
type plain struct{ store.Stage }

type harness struct {
	data  store.MemoryData
	plain bool
}

func (h *harness) Open(*testing.T) store.Stage {
	var next store.Stage = store.NewMemoryShared(&h.data)
	if h.plain {
		next = plain{next}
	}
	return faulty.Wrap(next)
}

func TestConformance(t *testing.T) {
	t.Run("OverBatchPutter", func(t *testing.T) {
		storetest.Run(t, func(*testing.T) storetest.Harness { return &harness{} })
	})
	t.Run("OverPlainStage", func(t *testing.T) {
		storetest.Run(t, func(*testing.T) storetest.Harness { return &harness{plain: true} })
	})
}

var errBoom = errors.New("boom")

func rec(k, v string) store.Record {
	return store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)}
}

func TestFailNth(t *testing.T) {
	ctx := t.Context()
	mem := store.NewMemory()
	f := faulty.Wrap(mem)
	if err := f.Put(ctx, rec("a", "1")); err != nil {
		t.Fatal(err)
	}
	f.FailNth(2, errBoom)
	if _, err := f.Get(ctx, "b", []byte("a")); err != nil {
		t.Errorf("call 1 after FailNth(2) = %v, want nil", err)
	}
	if err := f.Put(ctx, rec("c", "3")); !errors.Is(err, errBoom) {
		t.Errorf("call 2 after FailNth(2) = %v, want errBoom", err)
	}
	if _, err := mem.Get(ctx, "b", []byte("c")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed Put reached the wrapped Stage: Get = %v", err)
	}
	if err := f.Put(ctx, rec("c", "3")); err != nil {
		t.Errorf("call 3 after FailNth(2) = %v, want nil: a failure happens once", err)
	}
	if got := f.Calls(); got != 4 {
		t.Errorf("Calls = %d, want 4", got)
	}

	f.FailNth(1, errBoom)
	var scanErr error
	for _, err := range f.Scan(ctx, "b") {
		scanErr = err
	}
	if !errors.Is(scanErr, errBoom) {
		t.Errorf("Scan as call 1 after FailNth(1) yielded %v, want errBoom", scanErr)
	}

	f.FailNth(1, errBoom)
	f.FailNth(0, nil)
	if err := f.Delete(ctx, "b", []byte("a")); err != nil {
		t.Errorf("Delete after FailNth(0) cancelled the failure = %v, want nil", err)
	}

	f.FailNth(1, errBoom)
	if err := f.Close(); !errors.Is(err, errBoom) {
		t.Errorf("Close as call 1 after FailNth(1) = %v, want errBoom", err)
	}
	if err := mem.Ping(ctx); err != nil {
		t.Errorf("the failed Close closed the wrapped Stage: Ping = %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Latency(time.Second)
		start := time.Now()
		if err := f.Put(t.Context(), rec("a", "1")); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Put with Latency(1s) took %v, want 1s", d)
		}

		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start = time.Now()
		_, err := f.Get(ctx, "b", []byte("a"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Get with a 100ms deadline and Latency(1s) = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("Get returned after %v, want 100ms", d)
		}

		f.Latency(0)
		start = time.Now()
		if _, err := f.Get(t.Context(), "b", []byte("a")); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Get after Latency(0) took %v, want 0", d)
		}
	})
}

func TestHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()

		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- f.Put(ctx, rec("a", "1")) }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Put returned %v while hung", err)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("hung Put after cancel = %v, want context.Canceled", err)
		}

		// A call blocked by Hang goes on after Release.
		var scanned int
		scanDone := make(chan struct{})
		go func() {
			defer close(scanDone)
			for _, err := range f.Scan(t.Context(), "b") {
				if err != nil {
					t.Errorf("Scan after Release yielded %v", err)
				}
				scanned++
			}
		}()
		synctest.Wait()
		f.Release()
		<-scanDone
		if scanned != 0 {
			t.Errorf("Scan saw %d records; the cancelled Put must not have reached the store", scanned)
		}
		if err := f.Put(t.Context(), rec("a", "1")); err != nil {
			t.Errorf("Put after Release = %v", err)
		}
	})
}

func TestDropWrites(t *testing.T) {
	ctx := t.Context()
	mem := store.NewMemory()
	f := faulty.Wrap(mem)
	f.DropWrites(true)
	if err := f.Put(ctx, rec("a", "1")); err != nil {
		t.Errorf("dropped Put = %v, want nil", err)
	}
	if err := f.PutBatch(ctx, []store.Record{rec("b", "2")}); err != nil {
		t.Errorf("dropped PutBatch = %v, want nil", err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := f.Get(ctx, "b", []byte(k)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%q) after a dropped write = %v, want store.ErrNotFound", k, err)
		}
	}
	f.DropWrites(false)
	if err := f.Put(ctx, rec("a", "1")); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Get(ctx, "b", []byte("a")); err != nil {
		t.Errorf("Put after DropWrites(false) did not reach the store: %v", err)
	}
}

func TestFlipBitOnRead(t *testing.T) {
	ctx := t.Context()
	mem := store.NewMemory()
	f := faulty.Wrap(mem)
	if err := f.Put(ctx, rec("a", "abc")); err != nil {
		t.Fatal(err)
	}
	if err := f.Put(ctx, rec("empty", "")); err != nil {
		t.Fatal(err)
	}
	f.FlipBitOnRead(true)
	r, err := f.Get(ctx, "b", []byte("a"))
	if err != nil || string(r.Value) != "abb" {
		t.Errorf("Get with FlipBitOnRead = (%q, %v), want (%q, nil)", r.Value, err, "abb")
	}
	for r, err := range f.Scan(ctx, "b") {
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"a": "abb", "empty": ""}[string(r.Key)]
		if string(r.Value) != want {
			t.Errorf("Scan with FlipBitOnRead: %q = %q, want %q", r.Key, r.Value, want)
		}
	}
	if r, err := mem.Get(ctx, "b", []byte("a")); err != nil || string(r.Value) != "abc" {
		t.Errorf("the stored value changed: (%q, %v), want %q", r.Value, err, "abc")
	}
	f.FlipBitOnRead(false)
	if r, err := f.Get(ctx, "b", []byte("a")); err != nil || string(r.Value) != "abc" {
		t.Errorf("Get after FlipBitOnRead(false) = (%q, %v), want %q", r.Value, err, "abc")
	}
}

// counting records whether PutBatch reached it.
type counting struct {
	*store.Memory
	batches int
}

func (c *counting) PutBatch(ctx context.Context, rs []store.Record) error {
	c.batches++
	return c.Memory.PutBatch(ctx, rs)
}

func TestPutBatchPassesThrough(t *testing.T) {
	c := &counting{Memory: store.NewMemory()}
	f := faulty.Wrap(c)
	if err := f.PutBatch(t.Context(), []store.Record{rec("a", "1"), rec("b", "2")}); err != nil {
		t.Fatal(err)
	}
	if c.batches != 1 {
		t.Errorf("wrapped PutBatch called %d times, want 1", c.batches)
	}
	if f.Calls() != 1 {
		t.Errorf("Calls = %d after one PutBatch, want 1", f.Calls())
	}
}

func TestConcurrentFaults(t *testing.T) {
	f := faulty.Wrap(store.NewMemory())
	ctx := t.Context()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			f.FailNth(3, errBoom)
			f.DropWrites(i%2 == 0)
			f.FlipBitOnRead(i%3 == 0)
			f.Latency(0)
		}
	}()
	for range 100 {
		_ = f.Put(ctx, rec("a", "1"))
		_, _ = f.Get(ctx, "b", []byte("a"))
	}
	<-done
	if f.Calls() != 200 {
		t.Errorf("Calls = %d, want 200", f.Calls())
	}
}

func TestFailAll(t *testing.T) {
	f := faulty.Wrap(store.NewMemory())
	ctx := context.Background()
	boom := errors.New("down")
	f.FailAll(boom)
	rec := store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}
	for name, err := range map[string]error{
		"Put":      f.Put(ctx, rec),
		"PutBatch": f.PutBatch(ctx, []store.Record{rec}),
		"Delete":   f.Delete(ctx, "b", []byte("k")),
		"Ping":     f.Ping(ctx),
	} {
		if !errors.Is(err, boom) {
			t.Errorf("%s during FailAll = %v, want the fault", name, err)
		}
	}
	if _, err := f.Get(ctx, "b", []byte("k")); !errors.Is(err, boom) {
		t.Errorf("Get during FailAll = %v, want the fault", err)
	}
	f.FailAll(nil)
	if err := f.Put(ctx, rec); err != nil {
		t.Fatalf("Put after FailAll(nil) = %v", err)
	}
	f.FailAll(boom)
	if err := f.Close(); err != nil {
		t.Fatalf("Close during FailAll = %v, want nil: Close is exempt", err)
	}
}
