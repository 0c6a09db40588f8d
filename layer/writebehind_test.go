package layer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

var errWB = errors.New("boom")

// wb builds a write-behind stage over next and returns it as its concrete
// type, which also checks that the Layer documents the truth.
func wb(t testing.TB, next store.Stage, o layer.WriteBehindOptions) *layer.WriteBehindStage {
	t.Helper()
	s, ok := layer.WriteBehind(o)(next).(*layer.WriteBehindStage)
	if !ok {
		t.Fatal("the Stage WriteBehind builds is not a *layer.WriteBehindStage")
	}
	return s
}

func wbRec(bucket, key, value string) store.Record {
	return store.Record{Bucket: bucket, Key: []byte(key), Value: []byte(value)}
}

// value returns the value stored under bucket/key in mem, or "<missing>".
func wbValue(t testing.TB, mem store.Stage, bucket, key string) string {
	t.Helper()
	r, err := mem.Get(context.Background(), bucket, []byte(key))
	if errors.Is(err, store.ErrNotFound) {
		return "<missing>"
	}
	if err != nil {
		t.Fatalf("backend Get(%q, %q) = %v", bucket, key, err)
	}
	return string(r.Value)
}

// wbErrorLog collects what OnError reports.
type wbErrorLog struct {
	mu   sync.Mutex
	errs []error
	recs [][]store.Record
}

func (l *wbErrorLog) onError(err error, recs []store.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
	l.recs = append(l.recs, recs)
}

func (l *wbErrorLog) keys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ks []string
	for _, rs := range l.recs {
		for _, r := range rs {
			ks = append(ks, string(r.Key)+"="+string(r.Value))
		}
	}
	return ks
}

func wbPut(t testing.TB, s store.Stage, r store.Record) {
	t.Helper()
	if err := s.Put(context.Background(), r); err != nil {
		t.Fatalf("Put(%q, %q) = %v", r.Bucket, r.Key, err)
	}
}

func wbFlush(t testing.TB, s *layer.WriteBehindStage) {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush = %v", err)
	}
}

func wbClose(t testing.TB, s store.Stage) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
}

func TestWriteBehindConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts layer.WriteBehindOptions
	}{
		{"Defaults", layer.WriteBehindOptions{}},
		// A tiny queue keeps writers blocked on room and the flusher busy.
		// They wait as long as it takes: a time limit could fail a correct
		// write on a loaded machine.
		{"TinyQueue", layer.WriteBehindOptions{QueueSize: 4, BatchSize: 2, Interval: -1, BlockTimeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) { layertest.Run(t, layer.WriteBehind(tc.opts)) })
	}
}

// TestWriteBehindCoalesces checks that the writes of a key made between two
// flushes reach the backend as one write holding the last value.
func TestWriteBehindCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		f := faulty.Wrap(mem)
		s := wb(t, f, layer.WriteBehindOptions{Interval: time.Hour})
		defer wbClose(t, s)
		for i := range 10 {
			wbPut(t, s, wbRec("b", "k", fmt.Sprint("v", i)))
		}
		if got := s.Stats().Pending; got != 1 {
			t.Errorf("Pending after 10 Puts of one key = %d, want 1", got)
		}
		wbFlush(t, s)
		// One write, then the Flush that the stage passes on.
		if got := f.Calls(); got != 2 {
			t.Errorf("the backend got %d calls for 10 Puts of one key and a Flush, want 2 (one write, one Flush)", got)
		}
		if got := wbValue(t, mem, "b", "k"); got != "v9" {
			t.Errorf("backend holds %q, want the last value v9", got)
		}
		st := s.Stats()
		if st.Flushed != 1 || st.Batches != 1 || st.Pending != 0 {
			t.Errorf("Stats = %+v, want Flushed 1, Batches 1, Pending 0", st)
		}
	})
}

// wbOpLog is a backend that notes each write it gets.
type wbOpLog struct {
	store.Stage // no BatchPutter: the flusher must fall back to Put
	mu          sync.Mutex
	ops         []string
}

func (l *wbOpLog) note(op string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, op)
}

func (l *wbOpLog) Put(ctx context.Context, r store.Record) error {
	l.note("put " + string(r.Key) + "=" + string(r.Value))
	return l.Stage.Put(ctx, r)
}

func (l *wbOpLog) Delete(ctx context.Context, bucket string, key []byte) error {
	l.note("delete " + string(key))
	return l.Stage.Delete(ctx, bucket, key)
}

func (l *wbOpLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ops := l.ops
	l.ops = nil
	return ops
}

// TestWriteBehindOrderWithDelete checks that a Delete is queued in order
// with the Puts of its key and reaches the backend as a Delete, and that a
// backend without PutBatch gets one Put per record.
func TestWriteBehindOrderWithDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		wbPut(t, mem, wbRec("b", "old", "0"))
		log := &wbOpLog{Stage: mem}
		s := wb(t, log, layer.WriteBehindOptions{Interval: time.Hour})
		defer wbClose(t, s)
		ctx := t.Context()

		wbPut(t, s, wbRec("b", "old", "1"))
		if err := s.Delete(ctx, "b", []byte("old")); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "b", []byte("new")); err != nil {
			t.Fatal(err)
		}
		wbPut(t, s, wbRec("b", "new", "2"))
		wbPut(t, s, wbRec("b", "other", "3"))
		wbFlush(t, s)
		ops := log.take()
		slices.Sort(ops)
		want := []string{"delete old", "put new=2", "put other=3"}
		if !slices.Equal(ops, want) {
			t.Errorf("backend got %q, want %q: one write per key, the last", ops, want)
		}
		for k, want := range map[string]string{"old": "<missing>", "new": "2", "other": "3"} {
			if got := wbValue(t, mem, "b", k); got != want {
				t.Errorf("backend holds %s=%q, want %q", k, got, want)
			}
		}
	})
}

// TestWriteBehindReadYourWrites checks Get and Scan against queued writes
// that the backend has not seen.
func TestWriteBehindReadYourWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		for _, k := range []string{"a", "b", "c", "e"} {
			wbPut(t, mem, wbRec("b", k, "stored"))
		}
		wbPut(t, mem, wbRec("other", "x", "stored"))
		f := faulty.Wrap(mem)
		s := wb(t, f, layer.WriteBehindOptions{Interval: time.Hour})
		defer wbClose(t, s)
		ctx := t.Context()

		wbPut(t, s, wbRec("b", "b", "queued"))
		if err := s.Delete(ctx, "b", []byte("c")); err != nil {
			t.Fatal(err)
		}
		wbPut(t, s, wbRec("b", "d", "queued"))
		expired := wbRec("b", "e", "queued")
		expired.ExpireAt = time.Now().Add(time.Minute)
		wbPut(t, s, expired)
		wbPut(t, s, wbRec("other", "y", "queued"))
		time.Sleep(time.Minute) // e's queued put expires

		for _, tc := range []struct{ key, want string }{
			{"a", "stored"}, {"b", "queued"}, {"c", "<missing>"}, {"d", "queued"}, {"e", "<missing>"},
		} {
			if got := wbValue(t, s, "b", tc.key); got != tc.want {
				t.Errorf("Get(%q) = %q, want %q", tc.key, got, tc.want)
			}
		}
		// The caller owns what Get returns.
		r, _ := s.Get(ctx, "b", []byte("b"))
		copy(r.Value, "XXXXXX")
		if got := wbValue(t, s, "b", "b"); got != "queued" {
			t.Errorf("Get after modifying a returned value = %q, want %q", got, "queued")
		}

		got := map[string]string{}
		for r, err := range s.Scan(ctx, "b") {
			if err != nil {
				t.Fatalf("Scan yielded %v", err)
			}
			if _, dup := got[string(r.Key)]; dup {
				t.Errorf("Scan yielded %q twice", r.Key)
			}
			got[string(r.Key)] = string(r.Value)
		}
		want := map[string]string{"a": "stored", "b": "queued", "d": "queued"}
		if !sameMap(got, want) {
			t.Errorf("Scan = %v, want %v", got, want)
		}
		// Only the Get of a and the Scan reach the backend.
		if n := f.Calls(); n != 2 {
			t.Errorf("the backend got %d calls, want 2 (Get of a, Scan): queued keys must not be read from it", n)
		}
	})
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestWriteBehindFlushDurable checks that after Flush the backend holds
// every write acknowledged before it, across buckets and batches.
func TestWriteBehindFlushDurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		s := wb(t, mem, layer.WriteBehindOptions{BatchSize: 64, Interval: time.Hour})
		defer wbClose(t, s)
		const n = 1000
		for i := range n {
			wbPut(t, s, wbRec(fmt.Sprint("bucket", i%3), fmt.Sprint("k", i), fmt.Sprint("v", i)))
		}
		wbFlush(t, s)
		for i := range n {
			if got, want := wbValue(t, mem, fmt.Sprint("bucket", i%3), fmt.Sprint("k", i)), fmt.Sprint("v", i); got != want {
				t.Fatalf("after Flush the backend holds k%d=%q, want %q", i, got, want)
			}
		}
		st := s.Stats()
		if st.Flushed != n || st.Pending != 0 || st.Batches != (n+63)/64 || st.Failed != 0 {
			t.Errorf("Stats = %+v, want Flushed %d, Pending 0, Batches %d, Failed 0", st, n, (n+63)/64)
		}
	})
}

// TestWriteBehindIntervalAndBatchSize checks when the flusher writes on its
// own: after Interval, or at once when BatchSize keys are queued.
func TestWriteBehindIntervalAndBatchSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		s := wb(t, mem, layer.WriteBehindOptions{BatchSize: 3, Interval: time.Second})
		defer wbClose(t, s)
		wbPut(t, s, wbRec("b", "a", "1"))
		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		if got := wbValue(t, mem, "b", "a"); got != "<missing>" {
			t.Errorf("a reached the backend before Interval passed")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if got := wbValue(t, mem, "b", "a"); got != "1" {
			t.Errorf("a did not reach the backend when Interval passed: %q", got)
		}
		for _, k := range []string{"x", "y", "z"} {
			wbPut(t, s, wbRec("b", k, "1"))
		}
		synctest.Wait()
		if got := wbValue(t, mem, "b", "z"); got != "1" {
			t.Errorf("a full batch did not reach the backend at once: %q", got)
		}
	})
}

// TestWriteBehindFlushReportsFailure checks that Flush returns the error of
// an acknowledged write that was not stored, until the key is written again.
func TestWriteBehindFlushReportsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		f := faulty.Wrap(mem)
		var log wbErrorLog
		s := wb(t, f, layer.WriteBehindOptions{Retry: layer.RetryOptions{Attempts: -1}, OnError: log.onError})
		defer wbClose(t, s)
		f.FailNth(1, errWB)
		wbPut(t, s, wbRec("b", "k", "lost"))
		if err := s.Flush(t.Context()); !errors.Is(err, errWB) {
			t.Fatalf("Flush after a failed write = %v, want an error matching errWB", err)
		}
		if got := log.keys(); !slices.Equal(got, []string{"k=lost"}) {
			t.Errorf("OnError got %q, want the lost record", got)
		}
		if st := s.Stats(); st.Failed != 1 || st.Retries != 0 {
			t.Errorf("Stats = %+v, want Failed 1, Retries 0", st)
		}
		if err := s.Flush(t.Context()); !errors.Is(err, errWB) {
			t.Errorf("second Flush = %v: the lost write is still not stored", err)
		}
		if got := wbValue(t, s, "b", "k"); got != "<missing>" {
			t.Errorf("Get after the write was given up = %q, want the backend's answer", got)
		}
		wbPut(t, s, wbRec("b", "k", "again"))
		if err := s.Flush(t.Context()); err != nil {
			t.Errorf("Flush after the key was written again and stored = %v, want nil", err)
		}
		if got := wbValue(t, mem, "b", "k"); got != "again" {
			t.Errorf("backend holds %q, want %q", got, "again")
		}
	})
}

// TestWriteBehindRetry checks that a failed batch is tried again after the
// backoff and then stored.
func TestWriteBehindRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		f := faulty.Wrap(mem)
		s := wb(t, f, layer.WriteBehindOptions{Retry: layer.RetryOptions{Base: time.Second, Max: 3 * time.Second, Attempts: 4}})
		defer wbClose(t, s)
		wbPut(t, s, wbRec("b", "k", "v"))
		f.FailNth(1, errWB)
		start := time.Now()
		wbFlush(t, s)
		if d := time.Since(start); d != time.Second {
			t.Errorf("Flush over one failure took %v, want the 1s backoff", d)
		}
		if got := wbValue(t, mem, "b", "k"); got != "v" {
			t.Errorf("backend holds %q after the retry, want %q", got, "v")
		}
		if st := s.Stats(); st.Retries != 1 || st.Failed != 0 || st.Flushed != 1 {
			t.Errorf("Stats = %+v, want Retries 1, Failed 0, Flushed 1", st)
		}
	})
}

// wbBroken is a backend whose writes fail while it is down.
type wbBroken struct {
	*store.Memory
	down  atomic.Bool
	tries atomic.Int32
}

func (b *wbBroken) fail() error {
	b.tries.Add(1)
	if b.down.Load() {
		return errWB
	}
	return nil
}

func (b *wbBroken) Put(ctx context.Context, r store.Record) error {
	if err := b.fail(); err != nil {
		return err
	}
	return b.Memory.Put(ctx, r)
}

func (b *wbBroken) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := b.fail(); err != nil {
		return err
	}
	return b.Memory.PutBatch(ctx, rs)
}

func (b *wbBroken) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := b.fail(); err != nil {
		return err
	}
	return b.Memory.Delete(ctx, bucket, key)
}

// TestWriteBehindBackoff checks that the wait between attempts doubles up
// to Max, and that a batch is given up after Attempts tries.
func TestWriteBehindBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &wbBroken{Memory: store.NewMemory()}
		b.down.Store(true)
		s := wb(t, b, layer.WriteBehindOptions{Retry: layer.RetryOptions{Base: time.Second, Max: 3 * time.Second, Attempts: 4}})
		wbPut(t, s, wbRec("b", "k", "v"))
		start := time.Now()
		if err := s.Flush(t.Context()); !errors.Is(err, errWB) {
			t.Errorf("Flush over a backend that is down = %v, want errWB", err)
		}
		if d := time.Since(start); d != 6*time.Second {
			t.Errorf("4 attempts took %v, want waits of 1s, 2s and 3s", d)
		}
		if n := b.tries.Load(); n != 4 {
			t.Errorf("the backend got %d attempts, want 4", n)
		}
		if st := s.Stats(); st.Retries != 3 || st.Failed != 1 {
			t.Errorf("Stats = %+v, want Retries 3, Failed 1", st)
		}
		if err := s.Close(); !errors.Is(err, errWB) {
			t.Errorf("Close = %v, want errWB: the write was never stored", err)
		}
	})
}

// TestWriteBehindNoResurrection checks that a write given up after its
// retries never overwrites a newer write of its key.
func TestWriteBehindNoResurrection(t *testing.T) {
	for _, newer := range []string{"put", "delete"} {
		t.Run(newer, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mem := store.NewMemory()
				wbPut(t, mem, wbRec("b", "k", "v0"))
				f := faulty.Wrap(mem)
				var log wbErrorLog
				s := wb(t, f, layer.WriteBehindOptions{
					Interval: time.Second,
					Retry:    layer.RetryOptions{Attempts: 2, Base: time.Minute},
					OnError:  log.onError,
				})
				defer wbClose(t, s)
				ctx := t.Context()

				f.FailNth(1, errWB)
				wbPut(t, s, wbRec("b", "k", "v1"))
				time.Sleep(time.Second) // the flusher tries v1, fails, backs off
				synctest.Wait()
				if st := s.Stats(); st.Retries != 1 {
					t.Fatalf("Stats = %+v, want one retry scheduled", st)
				}
				f.FailNth(1, errWB)
				want := "<missing>"
				if newer == "put" {
					wbPut(t, s, wbRec("b", "k", "v2"))
					want = "v2"
				} else if err := s.Delete(ctx, "b", []byte("k")); err != nil {
					t.Fatal(err)
				}
				if got := wbValue(t, s, "b", "k"); got != want {
					t.Errorf("Get while v1 is retried = %q, want the newer %q", got, want)
				}
				time.Sleep(time.Minute) // v1 fails again and is given up
				synctest.Wait()
				if got := log.keys(); !slices.Equal(got, []string{"k=v1"}) {
					t.Errorf("OnError got %q, want v1", got)
				}
				if err := s.Flush(ctx); err != nil {
					t.Errorf("Flush = %v, want nil: the newer write of k was stored", err)
				}
				for name, st := range map[string]store.Stage{"backend": mem, "stage": s} {
					if got := wbValue(t, st, "b", "k"); got != want {
						t.Errorf("%s holds %q, want the newer %q", name, got, want)
					}
				}
				if st := s.Stats(); st.Failed != 1 || st.Flushed != 1 {
					t.Errorf("Stats = %+v, want Failed 1, Flushed 1", st)
				}
			})
		})
	}
}

// TestWriteBehindBlock checks the Block policy: a write for a new key waits
// for room, and fails with ErrQueueFull at BlockTimeout or when its context
// ends; overwrites need no room.
func TestWriteBehindBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := wb(t, f, layer.WriteBehindOptions{QueueSize: 2, BlockTimeout: 3 * time.Second})
		wbPut(t, s, wbRec("b", "a", "1"))
		wbPut(t, s, wbRec("b", "b", "1")) // full: the flusher takes both and hangs
		synctest.Wait()

		start := time.Now()
		err := s.Put(t.Context(), wbRec("b", "c", "1"))
		if !errors.Is(err, layer.ErrQueueFull) {
			t.Errorf("Put into a full queue = %v, want an error matching ErrQueueFull", err)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("Put gave up after %v, want BlockTimeout 3s", d)
		}

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start = time.Now()
		err = s.Put(ctx, wbRec("b", "c", "1"))
		if !errors.Is(err, layer.ErrQueueFull) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Put with a 1s deadline into a full queue = %v, want ErrQueueFull and DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Put gave up after %v, want its 1s deadline", d)
		}

		start = time.Now()
		wbPut(t, s, wbRec("b", "a", "2")) // a is being written: an overwrite
		wbPut(t, s, wbRec("b", "a", "3"))
		if d := time.Since(start); d != 0 {
			t.Errorf("overwrites of a key in flight waited %v, want no wait", d)
		}

		done := make(chan error)
		go func() { done <- s.Put(context.Background(), wbRec("b", "c", "1")) }()
		synctest.Wait()
		f.Release()
		if err := <-done; err != nil {
			t.Errorf("blocked Put after room freed = %v, want nil", err)
		}
		wbClose(t, s)
		if err := s.Put(t.Context(), wbRec("b", "d", "1")); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Put after Close = %v, want ErrClosed", err)
		}
	})
}

// TestWriteBehindCloseWakesBlocked checks that Close makes a write waiting
// for room fail with ErrClosed rather than wait on.
func TestWriteBehindCloseWakesBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := wb(t, f, layer.WriteBehindOptions{QueueSize: 1, BlockTimeout: -1})
		wbPut(t, s, wbRec("b", "a", "1"))
		synctest.Wait()
		blocked := make(chan error)
		go func() { blocked <- s.Put(context.Background(), wbRec("b", "b", "1")) }()
		closed := make(chan error)
		synctest.Wait()
		go func() { closed <- s.Close() }()
		if err := <-blocked; !errors.Is(err, store.ErrClosed) {
			t.Errorf("blocked Put during Close = %v, want ErrClosed", err)
		}
		f.Release()
		if err := <-closed; err != nil {
			t.Errorf("Close = %v", err)
		}
	})
}

// TestWriteBehindDrop checks the Drop policy: a write for a new key into a
// full queue is acknowledged, discarded, counted and reported, and Flush
// does not claim it stored.
func TestWriteBehindDrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		f := faulty.Wrap(mem)
		f.Hang()
		var log wbErrorLog
		s := wb(t, f, layer.WriteBehindOptions{QueueSize: 1, WhenFull: layer.Drop, OnError: log.onError})
		defer wbClose(t, s)
		wbPut(t, s, wbRec("b", "a", "1"))
		synctest.Wait()
		start := time.Now()
		wbPut(t, s, wbRec("b", "dropped", "1"))
		wbPut(t, s, wbRec("b", "a", "2")) // an overwrite is never dropped
		if d := time.Since(start); d != 0 {
			t.Errorf("Puts under Drop waited %v", d)
		}
		if st := s.Stats(); st.Dropped != 1 {
			t.Errorf("Stats().Dropped = %d, want 1", st.Dropped)
		}
		if got := log.keys(); !slices.Equal(got, []string{"dropped=1"}) {
			t.Errorf("OnError got %q, want the dropped record", got)
		}
		if len(log.errs) == 1 && !errors.Is(log.errs[0], layer.ErrQueueFull) {
			t.Errorf("OnError error = %v, want one matching ErrQueueFull", log.errs[0])
		}
		f.Release()
		if err := s.Flush(t.Context()); !errors.Is(err, layer.ErrQueueFull) {
			t.Errorf("Flush after a dropped write = %v, want an error matching ErrQueueFull", err)
		}
		if got := wbValue(t, mem, "b", "a"); got != "2" {
			t.Errorf("backend holds a=%q, want 2", got)
		}
		wbPut(t, s, wbRec("b", "dropped", "again"))
		if err := s.Flush(t.Context()); err != nil {
			t.Errorf("Flush after the dropped key was written again = %v, want nil", err)
		}
	})
}

// TestWriteBehindHungBackend checks that a backend that hangs does not slow
// writes down while the queue has room, and that reads see the writes.
func TestWriteBehindHungBackend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := wb(t, f, layer.WriteBehindOptions{QueueSize: 8, Interval: -1})
		wbPut(t, s, wbRec("b", "k0", "v"))
		synctest.Wait() // the flusher is bkStuck writing k0
		start := time.Now()
		for i := 1; i < 8; i++ {
			wbPut(t, s, wbRec("b", fmt.Sprint("k", i), "v"))
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Puts over a hung backend took %v, want no wait", d)
		}
		if st := s.Stats(); st.Pending != 8 {
			t.Errorf("Pending = %d, want 8", st.Pending)
		}
		if got := wbValue(t, s, "b", "k0"); got != "v" {
			t.Errorf("Get of the key being written = %q, want v", got)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := s.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Flush over a hung backend = %v, want its context's error", err)
		}
		f.Release()
		wbClose(t, s)
	})
}

// TestWriteBehindClose checks that Close writes what is queued, closes the
// backend, is idempotent, and that the stage is closed afterwards.
func TestWriteBehindClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		data := new(store.MemoryData)
		mem := store.NewMemoryShared(data)
		s := wb(t, mem, layer.WriteBehindOptions{Interval: time.Hour})
		ctx := t.Context()
		wbPut(t, s, wbRec("b", "a", "1"))
		wbPut(t, s, wbRec("b", "b", "1"))
		if err := s.Delete(ctx, "b", []byte("b")); err != nil {
			t.Fatal(err)
		}
		wbClose(t, s)
		if err := mem.Ping(ctx); !errors.Is(err, store.ErrClosed) {
			t.Errorf("backend Ping after Close = %v: Close must close the backend", err)
		}
		reopened := store.NewMemoryShared(data)
		if a, b := wbValue(t, reopened, "b", "a"), wbValue(t, reopened, "b", "b"); a != "1" || b != "<missing>" {
			t.Errorf("after Close the backend holds a=%q b=%q, want 1 and <missing>", a, b)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close = %v, want nil", err)
		}
		if err := s.Flush(ctx); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Flush after Close = %v, want ErrClosed", err)
		}
		if err := s.Delete(ctx, "b", []byte("a")); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Delete after Close = %v, want ErrClosed", err)
		}
	})
}

// TestWriteBehindCloseReportsFailure checks that Close writes what is
// queued with the usual retries and returns the error of a write it could
// not store.
func TestWriteBehindCloseReportsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &wbBroken{Memory: store.NewMemory()}
		b.down.Store(true)
		s := wb(t, b, layer.WriteBehindOptions{Interval: time.Hour, Retry: layer.RetryOptions{Attempts: 2}})
		wbPut(t, s, wbRec("b", "a", "1"))
		if err := s.Close(); !errors.Is(err, errWB) {
			t.Errorf("Close over a backend that is down = %v, want errWB", err)
		}
		if n := b.tries.Load(); n != 2 {
			t.Errorf("Close made %d attempts, want 2", n)
		}
	})
}

// TestWriteBehindConcurrent has writers race over their own keys with
// small queues and batches; after Flush the backend must hold the last
// write of each key, and each writer must read its own writes meanwhile.
func TestWriteBehindConcurrent(t *testing.T) {
	mem := store.NewMemory()
	s := wb(t, mem, layer.WriteBehindOptions{QueueSize: 16, BatchSize: 4, Interval: -1, BlockTimeout: -1})
	defer wbClose(t, s)
	const writers, keys, ops = 8, 10, 400
	want := make([]map[string]string, writers)
	var wg sync.WaitGroup
	for w := range writers {
		want[w] = map[string]string{}
		wg.Go(func() {
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range ops {
				k := fmt.Sprintf("w%d-k%d", w, rng.IntN(keys))
				if rng.IntN(4) == 0 {
					if err := s.Delete(ctx, "b", []byte(k)); err != nil {
						t.Errorf("Delete = %v", err)
						return
					}
					want[w][k] = "<missing>"
				} else {
					v := fmt.Sprint(i)
					if err := s.Put(ctx, wbRec("b", k, v)); err != nil {
						t.Errorf("Put = %v", err)
						return
					}
					want[w][k] = v
				}
				if got := wbValue(t, s, "b", k); got != want[w][k] {
					t.Errorf("Get(%q) right after writing it = %q, want %q", k, got, want[w][k])
					return
				}
				if i%50 == 0 {
					if err := s.Flush(ctx); err != nil {
						t.Errorf("Flush = %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	wbFlush(t, s)
	for w := range writers {
		for k, v := range want[w] {
			if got := wbValue(t, mem, "b", k); got != v {
				t.Errorf("backend holds %s=%q, want the last write %q", k, got, v)
			}
		}
	}
}

// TestWriteBehindPassesCapabilities checks Flush reaching a Flusher below,
// Ping and NativeTTL.
func TestWriteBehindPassesCapabilities(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		inner := wb(t, mem, layer.WriteBehindOptions{Interval: time.Hour})
		outer := wb(t, inner, layer.WriteBehindOptions{Interval: time.Hour})
		wbPut(t, outer, wbRec("b", "k", "v"))
		wbFlush(t, outer)
		if got := wbValue(t, mem, "b", "k"); got != "v" {
			t.Errorf("Flush of two write-behind stages left the backend with %q, want v", got)
		}
		if err := outer.Ping(t.Context()); err != nil {
			t.Errorf("Ping = %v", err)
		}
		if outer.NativeTTL() {
			t.Error("NativeTTL = true over a Memory, which has no native TTL")
		}
		wbClose(t, outer)
		if err := outer.Ping(t.Context()); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Ping after Close = %v, want ErrClosed", err)
		}
	})
}

func ExampleWriteBehind() {
	mem := store.NewMemory()
	s := layer.Chain(mem, layer.WriteBehind(layer.WriteBehindOptions{Interval: time.Minute}))
	wb := s.(*layer.WriteBehindStage)
	defer wb.Close()

	ctx := context.Background()
	for _, v := range []string{"draft", "final"} {
		if err := wb.Put(ctx, store.Record{Key: []byte("doc"), Value: []byte(v)}); err != nil {
			fmt.Println(err)
			return
		}
	}
	_, err := mem.Get(ctx, "", []byte("doc"))
	fmt.Println("backend before Flush:", err)
	if err := wb.Flush(ctx); err != nil { // the durability point
		fmt.Println(err)
		return
	}
	r, _ := mem.Get(ctx, "", []byte("doc"))
	fmt.Printf("backend after Flush: %s, %d batch\n", r.Value, wb.Stats().Batches)
	// Output:
	// backend before Flush: store: not found
	// backend after Flush: final, 1 batch
}

// BenchmarkWriteBehindPut compares a Put into the write-behind queue with a
// Put straight into the Memory backend beneath it, over 1024 keys.
// WriteBehind runs with the default options, so its flusher writes batches
// to the Memory meanwhile and shares the CPU; QueueOnly keeps the flusher
// idle (every key fits in one batch that is due in an hour), which measures
// the Put path alone: a copy of the record, one map operation under the
// mutex and, at most, a non-blocking signal.
func BenchmarkWriteBehindPut(b *testing.B) {
	const keys = 1024
	ks := make([][]byte, keys)
	for i := range ks {
		ks[i] = fmt.Appendf(nil, "key-%04d", i)
	}
	value := bytes.Repeat([]byte("v"), 100)
	for _, bc := range []struct {
		name string
		opts *layer.WriteBehindOptions
	}{
		{"Memory", nil},
		{"WriteBehind", &layer.WriteBehindOptions{}},
		{"QueueOnly", &layer.WriteBehindOptions{BatchSize: 2 * keys, Interval: time.Hour}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var s store.Stage = store.NewMemory()
			if bc.opts != nil {
				s = layer.Chain(s, layer.WriteBehind(*bc.opts))
			}
			defer s.Close()
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.Put(ctx, store.Record{Bucket: "b", Key: ks[i%keys], Value: value}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
