package layer_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// breaker builds a breaker stage over next as its concrete type, noting
// each change of state in changes.
func breaker(t testing.TB, next store.Stage, o layer.BreakerOptions, changes *[]string) *layer.BreakerStage {
	t.Helper()
	if changes != nil {
		var mu sync.Mutex
		o.OnStateChange = func(from, to layer.BreakerState) {
			mu.Lock()
			defer mu.Unlock()
			*changes = append(*changes, from.String()+"->"+to.String())
		}
	}
	b, ok := layer.Breaker(o)(next).(*layer.BreakerStage)
	if !ok {
		t.Fatal("the Stage Breaker builds is not a *layer.BreakerStage")
	}
	return b
}

func TestBreakerConformance(t *testing.T) {
	// The deadlines are long or absent: on a loaded machine a 1s deadline
	// could fail a correct call, and timing is tested with synctest below.
	t.Run("LongTimeout", func(t *testing.T) {
		layertest.Run(t, layer.Breaker(layer.BreakerOptions{Timeout: time.Hour}))
	})
	t.Run("NoTimeout", func(t *testing.T) {
		layertest.Run(t, layer.Breaker(layer.BreakerOptions{Timeout: -1}))
	})
}

// TestBreakerOpensAfterFailures checks that Failures failures in a row open
// the circuit, that an open circuit fails fast without calling the backend,
// and that a success in between resets the count.
func TestBreakerOpensAfterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		var changes []string
		b := breaker(t, f, layer.BreakerOptions{Failures: 3}, &changes)
		defer wbClose(t, b)
		ctx := t.Context()
		fail := func() {
			t.Helper()
			f.FailNth(1, errWB)
			if err := b.Put(ctx, wbRec("b", "k", "v")); !errors.Is(err, errWB) {
				t.Fatalf("Put over a failing call = %v, want errWB", err)
			}
		}

		fail()
		fail()
		wbPut(t, b, wbRec("b", "k", "v")) // a success resets the count
		fail()
		fail()
		if st := b.Stats(); st.State != layer.BreakerClosed || st.ConsecutiveFailures != 2 {
			t.Errorf("after fail, fail, success, fail, fail: Stats = %+v, want closed with 2 failures", st)
		}
		fail()
		if st := b.Stats(); st.State != layer.BreakerOpen || st.Opened != 1 {
			t.Errorf("after 3 failures in a row: Stats = %+v, want open, opened once", st)
		}

		calls := f.Calls()
		_, err := b.Get(ctx, "b", []byte("k"))
		if !errors.Is(err, layer.ErrCircuitOpen) {
			t.Errorf("Get while open = %v, want ErrCircuitOpen", err)
		}
		var scanErr error
		for _, err := range b.Scan(ctx, "b") {
			scanErr = err
		}
		if !errors.Is(scanErr, layer.ErrCircuitOpen) {
			t.Errorf("Scan while open = %v, want ErrCircuitOpen", scanErr)
		}
		if err := b.Ping(ctx); !errors.Is(err, layer.ErrCircuitOpen) {
			t.Errorf("Ping while open = %v, want ErrCircuitOpen", err)
		}
		if f.Calls() != calls {
			t.Errorf("calls while open reached the backend: %d calls, want %d", f.Calls(), calls)
		}
		if st := b.Stats(); st.Rejected != 3 {
			t.Errorf("Stats().Rejected = %d, want 3", st.Rejected)
		}
		if want := []string{"closed->open"}; !slices.Equal(changes, want) {
			t.Errorf("state changes = %q, want %q", changes, want)
		}
	})
}

// TestBreakerNotFailures checks what does not count against the backend:
// ErrNotFound, the caller's own cancellation or deadline, and what a custom
// IsFailure rejects.
func TestBreakerNotFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		errMinor := errors.New("minor")
		b := breaker(t, f, layer.BreakerOptions{
			Failures:  1,
			IsFailure: func(err error) bool { return !errors.Is(err, errMinor) },
		}, nil)
		defer wbClose(t, b)

		if _, err := b.Get(t.Context(), "b", []byte("missing")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of a missing key = %v, want ErrNotFound", err)
		}
		f.FailNth(1, errMinor)
		if err := b.Put(t.Context(), wbRec("b", "k", "v")); !errors.Is(err, errMinor) {
			t.Errorf("Put = %v, want errMinor", err)
		}

		f.Hang()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := b.Put(ctx, wbRec("b", "k", "v")); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Put with the caller's 100ms deadline = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("Put returned after %v, want the caller's earlier deadline of 100ms", d)
		}
		ctx, cancel = context.WithCancel(t.Context())
		go func() {
			synctest.Wait()
			cancel()
		}()
		if err := b.Put(ctx, wbRec("b", "k", "v")); !errors.Is(err, context.Canceled) {
			t.Errorf("Put cancelled by its caller = %v, want Canceled", err)
		}
		f.Release()
		if st := b.Stats(); st.State != layer.BreakerClosed {
			t.Errorf("Stats = %+v, want closed: none of these calls is the backend's fault", st)
		}
	})
}

// TestBreakerHalfOpen checks the cooldown, the single probe, a probe that
// fails re-opening the circuit and one that succeeds closing it.
func TestBreakerHalfOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		var changes []string
		b := breaker(t, f, layer.BreakerOptions{Failures: 1, Cooldown: 5 * time.Second, Timeout: time.Second}, &changes)
		defer wbClose(t, b)
		ctx := t.Context()

		f.FailNth(1, errWB)
		_ = b.Put(ctx, wbRec("b", "k", "v")) // opens
		time.Sleep(5*time.Second - time.Nanosecond)
		if err := b.Put(ctx, wbRec("b", "k", "v")); !errors.Is(err, layer.ErrCircuitOpen) {
			t.Errorf("Put before Cooldown has passed = %v, want ErrCircuitOpen", err)
		}
		time.Sleep(time.Nanosecond)

		f.Hang()
		probe := make(chan error)
		go func() { probe <- b.Put(ctx, wbRec("b", "k", "probe")) }()
		synctest.Wait()
		if st := b.Stats(); st.State != layer.BreakerHalfOpen {
			t.Errorf("while the probe runs: state %v, want half-open", st.State)
		}
		if err := b.Delete(ctx, "b", []byte("k")); !errors.Is(err, layer.ErrCircuitOpen) {
			t.Errorf("a second call while the probe runs = %v, want ErrCircuitOpen", err)
		}
		if err := <-probe; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("hung probe = %v, want DeadlineExceeded at its 1s deadline", err)
		}
		if st := b.Stats(); st.State != layer.BreakerOpen || st.Opened != 2 {
			t.Errorf("after the probe failed: Stats = %+v, want open again, opened twice", st)
		}
		f.Release()

		time.Sleep(5 * time.Second)
		wbPut(t, b, wbRec("b", "k", "ok")) // the probe succeeds
		if st := b.Stats(); st.State != layer.BreakerClosed {
			t.Errorf("after a successful probe: state %v, want closed", st.State)
		}
		wbPut(t, b, wbRec("b", "k", "ok"))
		want := []string{"closed->open", "open->half-open", "half-open->open", "open->half-open", "half-open->closed"}
		if !slices.Equal(changes, want) {
			t.Errorf("state changes = %q, want %q", changes, want)
		}
	})
}

// TestBreakerCancelledProbe checks that a probe its caller cancels leaves
// the circuit half-open for the next call to probe.
func TestBreakerCancelledProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		b := breaker(t, f, layer.BreakerOptions{Failures: 1}, nil)
		defer wbClose(t, b)
		f.FailNth(1, errWB)
		_ = b.Put(t.Context(), wbRec("b", "k", "v"))
		time.Sleep(5 * time.Second)
		ctx, cancel := context.WithCancel(t.Context())
		f.Hang()
		go func() {
			synctest.Wait()
			cancel()
		}()
		if err := b.Put(ctx, wbRec("b", "k", "v")); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled probe = %v, want Canceled", err)
		}
		f.Release()
		if st := b.Stats(); st.State != layer.BreakerHalfOpen {
			t.Errorf("after a cancelled probe: state %v, want half-open", st.State)
		}
		wbPut(t, b, wbRec("b", "k", "v"))
		if st := b.Stats(); st.State != layer.BreakerClosed {
			t.Errorf("after the next probe succeeded: state %v, want closed", st.State)
		}
	})
}

// bkStuck is a backend whose calls ignore their context and block until
// released.
type bkStuck struct {
	store.Stage
	release chan struct{}
}

func (s bkStuck) Put(context.Context, store.Record) error {
	<-s.release
	return nil
}

func (s bkStuck) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for r, err := range s.Stage.Scan(ctx, bucket) {
			if !yield(r, err) {
				return
			}
			<-s.release // each record after the first is late
		}
	}
}

// TestBreakerAbandonsHungCall checks that a call to a backend that ignores
// its context returns at the deadline, and that the abandoned call is
// counted until it returns.
func TestBreakerAbandonsHungCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		b := breaker(t, bkStuck{store.NewMemory(), release}, layer.BreakerOptions{Timeout: 2 * time.Second}, nil)
		defer wbClose(t, b)

		start := time.Now()
		err := b.Put(t.Context(), wbRec("b", "k", "v"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Put to a hung backend = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("Put returned after %v, want exactly the 2s Timeout", d)
		}
		if st := b.Stats(); st.Abandoned != 1 || st.Running != 1 || st.ConsecutiveFailures != 1 {
			t.Errorf("Stats = %+v, want 1 abandoned, 1 running, 1 failure", st)
		}
		close(release)
		synctest.Wait()
		if st := b.Stats(); st.Running != 0 {
			t.Errorf("Stats().Running = %d after the hung call returned, want 0", st.Running)
		}
	})
}

// TestBreakerScanDeadline checks that Scan's deadline bounds the wait for
// each record, not the whole scan, and that a late record ends the scan.
func TestBreakerScanDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		for i := range 3 {
			wbPut(t, mem, wbRec("b", fmt.Sprint("k", i), "v"))
		}
		release := make(chan struct{})
		b := breaker(t, bkStuck{mem, release}, layer.BreakerOptions{Timeout: time.Second}, nil)
		defer wbClose(t, b)

		start := time.Now()
		var n int
		var scanErr error
		for _, err := range b.Scan(t.Context(), "b") {
			if err != nil {
				scanErr = err
				continue
			}
			n++
			time.Sleep(10 * time.Second) // a slow loop body is not the backend's fault
		}
		if n != 1 || !errors.Is(scanErr, context.DeadlineExceeded) {
			t.Errorf("Scan yielded %d records then %v, want 1 then DeadlineExceeded", n, scanErr)
		}
		if d := time.Since(start); d != 11*time.Second {
			t.Errorf("Scan ended after %v, want the loop's 10s plus the 1s Timeout", d)
		}
		if st := b.Stats(); st.Abandoned != 1 || st.ConsecutiveFailures != 1 {
			t.Errorf("Stats = %+v, want 1 abandoned, 1 failure", st)
		}
		close(release)
		synctest.Wait()
		if st := b.Stats(); st.Running != 0 {
			t.Errorf("Stats().Running = %d after the scan returned, want 0", st.Running)
		}

		// A caller that stops early leaves nothing running.
		for range b.Scan(t.Context(), "b") {
			break
		}
		if st := b.Stats(); st.Abandoned != 1 || st.Running != 0 {
			t.Errorf("after an early break: Stats = %+v, want nothing more abandoned", st)
		}
	})
}

// bkPlain hides every method but those of store.Stage.
type bkPlain struct{ store.Stage }

// TestBreakerCapabilities checks PutBatch over a backend with and without
// it, and Flush and Ping passed on.
func TestBreakerCapabilities(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		for name, next := range map[string]func(*store.Memory) store.Stage{
			"batch": func(m *store.Memory) store.Stage { return m },
			"plain": func(m *store.Memory) store.Stage { return bkPlain{m} },
		} {
			mem := store.NewMemory()
			b := breaker(t, next(mem), layer.BreakerOptions{}, nil)
			if err := b.PutBatch(ctx, []store.Record{wbRec("b", "x", "1"), wbRec("b", "y", "2")}); err != nil {
				t.Errorf("%s: PutBatch = %v", name, err)
			}
			if got := wbValue(t, mem, "b", "y"); got != "2" {
				t.Errorf("%s: backend holds y=%q after PutBatch, want 2", name, got)
			}
			if err := b.Ping(ctx); err != nil {
				t.Errorf("%s: Ping = %v", name, err)
			}
			if err := b.Flush(ctx); err != nil {
				t.Errorf("%s: Flush = %v", name, err)
			}
			wbClose(t, b)
			if err := b.Ping(ctx); !errors.Is(err, store.ErrClosed) {
				t.Errorf("%s: Ping after Close = %v, want ErrClosed", name, err)
			}
		}

	})
}

func ExampleBreaker() {
	f := faulty.Wrap(store.NewMemory())
	s := layer.Chain(f, layer.Breaker(layer.BreakerOptions{
		Failures: 2,
		OnStateChange: func(from, to layer.BreakerState) {
			fmt.Println("circuit", from, "->", to)
		},
	}))
	defer s.Close()

	ctx := context.Background()
	for range 3 {
		f.FailNth(1, errors.New("backend down"))
		err := s.Put(ctx, store.Record{Key: []byte("k"), Value: []byte("v")})
		fmt.Println(errors.Is(err, layer.ErrCircuitOpen), err)
	}
	// Output:
	// false layer: breaker: put: backend down
	// circuit closed -> open
	// false layer: breaker: put: backend down
	// true layer: breaker: put: layer: circuit open
}
