package livedict_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// The durability contract (DESIGN.md, docs/layers.md): Flush returns nil
// only when every write acknowledged before it is stored, and a write
// given up keeps Flush failing with ErrWritesLost until its key is written
// again and stored.

var errDown = errors.New("backend down")

// lostOf returns the *WritesLostError in err, failing the test if there is
// none.
func lostOf(t *testing.T, err error) *livedict.WritesLostError {
	t.Helper()
	var wl *livedict.WritesLostError
	if !errors.Is(err, livedict.ErrWritesLost) || !errors.As(err, &wl) {
		t.Fatalf("err = %v, want one matching ErrWritesLost with a *WritesLostError", err)
	}
	return wl
}

// TestOutageExhaustsRetries: a backend that fails fast on every call makes
// each write fail Retries+1 times; from then on Flush and Close report
// those writes lost, per bucket, even after the backend is back, until
// each key is written again and stored.
func TestOutageExhaustsRetries(t *testing.T) {
	for _, retries := range []int{livedict.NoRetry, 2} {
		t.Run("Retries="+strconv.Itoa(retries), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				data := new(store.MemoryData)
				f := faulty.Wrap(store.NewMemoryShared(data))
				var onErr atomic.Int64
				s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
					Backend: f, Plaintext: true, Retries: retries, FlushInterval: time.Hour,
					OnError: func(err error) {
						var pe *livedict.PersistError
						if errors.As(err, &pe) {
							onErr.Add(int64(pe.Count))
						}
					}}})
				ctx := context.Background()
				f.FailAll(errDown)
				for i := range 10 {
					s.Set("k"+strconv.Itoa(i), i, livedict.NoExpiry)
					s.Bucket("b").Set("k"+strconv.Itoa(i), i, livedict.NoExpiry)
				}
				tries := max(retries, 0) + 1
				var err error
				for n := 1; n <= tries; n++ {
					err = s.Flush(ctx)
					if err == nil {
						t.Fatalf("Flush %d during the outage = nil", n)
					}
					if n < tries && errors.Is(err, livedict.ErrWritesLost) {
						t.Fatalf("Flush %d: writes given up before %d attempts: %v", n, tries, err)
					}
				}
				wl := lostOf(t, err)
				if wl.Buckets[""] != 10 || wl.Buckets["b"] != 10 || wl.Overflow {
					t.Fatalf("lost per bucket = %v (overflow %v), want 10 and 10", wl.Buckets, wl.Overflow)
				}
				if !errors.Is(err, errDown) {
					t.Fatalf("the error does not carry the backend's: %v", err)
				}
				st := s.Stats()
				if st.PersistLost != 20 || st.PersistDropped != 20 || st.PersistPending != 0 {
					t.Fatalf("stats: lost %d dropped %d pending %d, want 20, 20, 0", st.PersistLost, st.PersistDropped, st.PersistPending)
				}
				if got := onErr.Load(); got != int64(st.PersistErrors) || got != int64(20*tries) {
					t.Fatalf("OnError Counts add to %d, PersistErrors %d, want both %d", got, st.PersistErrors, 20*tries)
				}

				// The backend is back: the loss is still reported.
				f.FailAll(nil)
				if wl := lostOf(t, s.Flush(ctx)); wl.Lost() != 20 {
					t.Fatalf("after recovery Flush reports %d lost, want 20", wl.Lost())
				}
				// Writing half the keys again clears those.
				for i := range 10 {
					s.Set("k"+strconv.Itoa(i), i+100, livedict.NoExpiry)
				}
				if wl := lostOf(t, s.Flush(ctx)); wl.Buckets[""] != 0 || wl.Buckets["b"] != 10 {
					t.Fatalf("after rewriting bucket \"\": lost %v, want only b's 10", wl.Buckets)
				}
				// Deleting counts as writing again.
				for i := range 10 {
					s.Bucket("b").Delete("k" + strconv.Itoa(i))
				}
				if err := s.Flush(ctx); err != nil {
					t.Fatalf("Flush after every lost key was written again = %v", err)
				}
				if err := s.Close(); err != nil {
					t.Fatalf("Close = %v", err)
				}
				if n := records(t, data, "", "b"); n != 10 {
					t.Fatalf("backend holds %d records, want 10", n)
				}
			})
		})
	}
}

// TestCloseReportsLostWrites: Close returns the same error as Flush.
func TestCloseReportsLostWrites(t *testing.T) {
	f := faulty.Wrap(store.NewMemory())
	s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
		Backend: f, Plaintext: true, Retries: livedict.NoRetry, FlushInterval: time.Hour, OnError: func(error) {}}})
	f.FailAll(errDown)
	s.Set("a", 1, livedict.NoExpiry)
	if wl := lostOf(t, s.Close()); wl.Buckets[""] != 1 {
		t.Fatalf("Close: lost %v, want 1 in the default bucket", wl.Buckets)
	}
}

// TestFullQueuePolicies: with a hung backend and a small queue, Block and
// Drop apply the writes in memory and record the ones given up, which
// Flush reports once the backend is back; Fail refuses them, leaving
// memory unchanged and nothing lost. The queue never holds more than
// QueueSize writes and no Set waits past BlockTimeout.
func TestFullQueuePolicies(t *testing.T) {
	const queue, keys = 32, 100
	const blockTimeout = 50 * time.Millisecond
	for _, pol := range []livedict.FullPolicy{livedict.Block, livedict.Drop, livedict.Fail} {
		t.Run(pol.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				data := new(store.MemoryData)
				f := faulty.Wrap(store.NewMemoryShared(data))
				f.Hang()
				s := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
					Backend: f, Plaintext: true, QueueSize: queue, WhenFull: pol,
					BlockTimeout: blockTimeout, Timeout: time.Second, OnError: func(error) {}}})
				defer func() { f.Release(); s.Close() }()
				refused := 0
				for i := range keys {
					start := time.Now()
					err := s.Set(i, i, livedict.NoExpiry)
					if d := time.Since(start); d > blockTimeout {
						t.Fatalf("Set %d waited %v, past BlockTimeout %v", i, d, blockTimeout)
					}
					switch {
					case pol == livedict.Fail && errors.Is(err, livedict.ErrQueueFull):
						refused++
						if _, ok := s.Get(i); ok {
							t.Fatalf("a refused Set %d changed memory", i)
						}
					case err != nil:
						t.Fatalf("Set %d = %v", i, err)
					}
					if p := s.Stats().PersistPending; p > queue {
						t.Fatalf("PersistPending %d past QueueSize %d", p, queue)
					}
				}
				f.Release()
				err := s.Flush(context.Background())
				st := s.Stats()
				if pol == livedict.Fail {
					if err != nil || refused == 0 || st.PersistLost != 0 || s.Len() != keys-refused {
						t.Fatalf("Fail: Flush %v, refused %d, lost %d, Len %d", err, refused, st.PersistLost, s.Len())
					}
					if records(t, data) != keys-refused {
						t.Fatalf("Fail: backend holds %d, want every accepted write (%d)", records(t, data), keys-refused)
					}
				} else {
					wl := lostOf(t, err)
					if wl.Lost() == 0 || wl.Lost() != st.PersistLost || wl.Lost()+records(t, data) != keys {
						t.Fatalf("%v: lost %d (stats %d) + stored %d != %d writes", pol, wl.Lost(), st.PersistLost, records(t, data), keys)
					}
					if s.Len() != keys {
						t.Fatalf("%v: memory holds %d, want every write (%d)", pol, s.Len(), keys)
					}
					if wl.Overflow {
						t.Fatalf("%v: %d lost writes overflowed the lost set", pol, wl.Lost())
					}
					// Writing every key again, a queue's worth between
					// Flushes, makes Flush whole.
					for i := range keys {
						s.Set(i, i, livedict.NoExpiry)
						if i%queue == queue-1 {
							s.Flush(context.Background())
						}
					}
					err = s.Flush(context.Background())
					if err != nil {
						t.Fatalf("%v: Flush after rewriting every key = %v", pol, err)
					}
				}
			})
		})
	}
}

// TestHungBackendBoundUnderLoad: several writers against a hung backend
// never see PersistPending above QueueSize, and no Set waits past
// BlockTimeout, including while drains time out and requeue.
func TestHungBackendBoundUnderLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const queue = 64
		const blockTimeout = 20 * time.Millisecond
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: queue, BlockTimeout: blockTimeout,
			Timeout: 30 * time.Millisecond, FlushInterval: time.Millisecond, RetryBackoff: time.Millisecond,
			OnError: func(error) {}}})
		defer func() { f.Release(); s.Close() }() // also when a check fails
		var wg sync.WaitGroup
		var worst atomic.Int64
		var slow atomic.Int64
		for w := range 4 {
			wg.Go(func() {
				for i := range 2000 {
					start := time.Now()
					s.Set(w*100000+i, i, livedict.NoExpiry)
					if d := time.Since(start); d > blockTimeout {
						slow.Store(int64(d))
					}
					if p := int64(s.Stats().PersistPending); p > worst.Load() {
						worst.Store(p)
					}
				}
			})
		}
		wg.Wait()
		if w := worst.Load(); w > queue {
			t.Fatalf("PersistPending reached %d, past QueueSize %d", w, queue)
		}
		if d := slow.Load(); d != 0 {
			t.Fatalf("a Set waited %v, past BlockTimeout %v", time.Duration(d), blockTimeout)
		}
		f.Release()
		if err := s.Close(); !errors.Is(err, livedict.ErrWritesLost) {
			t.Fatalf("Close after a hung backend dropped writes = %v, want ErrWritesLost", err)
		}
	})
}

// TestLoaderPanics: a panicking Loader or backend Get gives every caller
// waiting for the flight an error matching ErrPanicked; the process goes
// on and the next Load tries again.
func TestLoaderPanics(t *testing.T) {
	run := func(t *testing.T, s *livedict.Store[string, int], release func()) {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { _, errs[i] = s.Load(context.Background(), "k") })
		}
		release()
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, livedict.ErrPanicked) {
				t.Fatalf("caller %d: %v, want ErrPanicked", i, err)
			}
			if msg := err.Error(); contains(msg, "secret-key") {
				t.Fatalf("the error shows the panic's value: %q", msg)
			}
		}
	}
	t.Run("Loader", func(t *testing.T) {
		gate := make(chan struct{})
		s := mustNew(t, &livedict.Options[string, int]{
			Loader: func(_ context.Context, _ string, k string) (int, time.Duration, error) {
				<-gate
				panic("no value for secret-key " + k)
			}})
		defer s.Close()
		run(t, s, func() { close(gate) })
	})
	t.Run("backend", func(t *testing.T) {
		gate := make(chan struct{})
		b := &panickyGet{Stage: store.NewMemory(), gate: gate}
		s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{Backend: b, Plaintext: true}})
		defer s.Close()
		run(t, s, func() { close(gate) })
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

type panickyGet struct {
	store.Stage
	gate chan struct{}
}

func (p *panickyGet) Get(context.Context, string, []byte) (store.Record, error) {
	<-p.gate
	panic(errors.New("secret-key"))
}

// TestReadThroughWithoutBackend: a Loader works on a memory-only store.
func TestReadThroughWithoutBackend(t *testing.T) {
	calls := 0
	s := mustNew(t, &livedict.Options[string, string]{
		Loader: func(_ context.Context, bucket, k string) (string, time.Duration, error) {
			calls++
			if k == "missing" {
				return "", 0, livedict.ErrNotFound
			}
			return bucket + "/" + k, time.Minute, nil
		}})
	defer s.Close()
	ctx := context.Background()
	for range 2 {
		if v, err := s.Bucket("users").Load(ctx, "ann"); err != nil || v != "users/ann" {
			t.Fatalf("Load = %q, %v", v, err)
		}
	}
	if calls != 1 {
		t.Fatalf("Loader called %d times, want 1 (the second Load hits memory)", calls)
	}
	if _, err := s.Load(ctx, "missing"); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("Load of a missing key = %v, want ErrNotFound", err)
	}
	plain := mustNew(t, &livedict.Options[string, string]{})
	defer plain.Close()
	if _, err := plain.Load(ctx, "x"); !errors.Is(err, livedict.ErrNotPersisted) {
		t.Fatalf("Load without Loader or Persist = %v, want ErrNotPersisted", err)
	}
}

// TestClearUnderEvict: Clear removes the bucket's records from the
// backend, evicted ones too, so Load does not bring a cleared key back;
// writes queued before the Clear are superseded, writes after it kept.
func TestClearUnderEvict(t *testing.T) {
	data := new(store.MemoryData)
	s := mustNew(t, &livedict.Options[int, int]{Policy: livedict.Evict, MaxKeys: 64, Shards: 1,
		Persist: &livedict.Persist[int, int]{Backend: store.NewMemoryShared(data), Plaintext: true, FlushInterval: time.Hour}})
	defer s.Close()
	ctx := context.Background()
	b := s.Bucket("b")
	for i := range 1000 {
		b.Set(i, i, livedict.NoExpiry)
		s.Set(i, i, livedict.NoExpiry) // another bucket, which Clear must not touch
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Load(ctx, 0); err != nil || v != 0 {
		t.Fatalf("Load of an evicted key before Clear = %d, %v", v, err)
	}
	b.Set(5000, 1, livedict.NoExpiry) // queued, then superseded by the Clear
	b.Clear()
	b.Set(7000, 7, livedict.NoExpiry) // after the Clear: kept
	for _, k := range []int{0, 1, 500, 999, 5000} {
		if _, err := b.Load(ctx, k); !errors.Is(err, livedict.ErrNotFound) {
			t.Fatalf("Load(%d) after Clear, before Flush = %v, want ErrNotFound", k, err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 1, 500, 999, 5000} {
		if _, err := b.Load(ctx, k); !errors.Is(err, livedict.ErrNotFound) {
			t.Fatalf("Load(%d) after Clear and Flush = %v, want ErrNotFound", k, err)
		}
	}
	if v, err := b.Load(ctx, 7000); err != nil || v != 7 {
		t.Fatalf("Load of the write after Clear = %d, %v", v, err)
	}
	if v, err := s.Load(ctx, 3); err != nil || v != 3 {
		t.Fatalf("another bucket lost a record to Clear: %d, %v", v, err)
	}
	n := 0
	for r, err := range store.NewMemoryShared(data).Scan(ctx, "b") {
		if err != nil {
			t.Fatal(err)
		}
		_ = r
		n++
	}
	if n != 1 {
		t.Fatalf("backend holds %d records of the cleared bucket, want 1", n)
	}
}

// closeCounter is a backend that counts its Close calls.
type closeCounter struct {
	store.Stage
	closed atomic.Int32
}

func (c *closeCounter) Close() error { c.closed.Add(1); return c.Stage.Close() }

// TestFailedNewClosesBackend: whatever makes New fail, it closes
// Persist.Backend and starts no goroutine (TestMain's goleak checks).
func TestFailedNewClosesBackend(t *testing.T) {
	queueing := func(next store.Stage) store.Stage { return queueStage{next} }
	for name, mk := range map[string]func(b store.Stage) *livedict.Options[string, int]{
		"bad store option": func(b store.Stage) *livedict.Options[string, int] {
			return &livedict.Options[string, int]{MaxKeys: -1, Persist: &livedict.Persist[string, int]{Backend: b, Plaintext: true}}
		},
		"no keyring": func(b store.Stage) *livedict.Options[string, int] {
			return &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{Backend: b}}
		},
		"queueing layer": func(b store.Stage) *livedict.Options[string, int] {
			return &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
				Backend: b, Plaintext: true, Layers: []layer.Layer{queueing}}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := &closeCounter{Stage: store.NewMemory()}
			_, err := livedict.New(mk(b))
			if !errors.Is(err, livedict.ErrInvalidOption) {
				t.Fatalf("New = %v, want ErrInvalidOption", err)
			}
			if n := b.closed.Load(); n != 1 {
				t.Fatalf("backend closed %d times, want 1", n)
			}
		})
	}
}

// queueStage says it queues writes (store.Queue).
type queueStage struct{ store.Stage }

func (queueStage) Queues() bool { return true }

// TestDefaultViewNotReassignable: Store has no exported field, so the
// default bucket's view cannot be replaced (s.View = s.Bucket("x") does
// not compile).
func TestDefaultViewNotReassignable(t *testing.T) {
	typ := reflect.TypeFor[livedict.Store[string, int]]()
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() {
			t.Errorf("Store has the exported field %s", f.Name)
		}
	}
	s := mustNew(t, &livedict.Options[string, int]{})
	defer s.Close()
	s.Set("a", 1, livedict.NoExpiry)
	s.Bucket("x").Set("b", 2, livedict.NoExpiry)
	if s.Len() != 1 || s.LenAll() != 2 || s.Bucket("").Len() != 1 {
		t.Fatalf("Len %d, LenAll %d, default bucket's Len %d; want 1, 2, 1", s.Len(), s.LenAll(), s.Bucket("").Len())
	}
	s.Clear()
	if s.LenAll() != 1 {
		t.Fatalf("Clear cleared %d entries of other buckets", 1-s.LenAll())
	}
	s.ClearAll()
	if s.LenAll() != 0 {
		t.Fatal("ClearAll left entries")
	}
}

// TestContextForms: every write has a Context form, and a cancelled
// context makes a write waiting for room fail without changing memory.
func TestContextForms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
			Backend: f, Plaintext: true, QueueSize: 1, BlockTimeout: time.Hour, FlushInterval: time.Hour,
			OnError: func(error) {}}})
		if err := s.Set("a", 1, livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		for name, call := range map[string]func() error{
			"SetContext":         func() error { return s.SetContext(ctx, "b", 1, livedict.NoExpiry) },
			"SetWithContext":     func() error { return s.SetWithContext(ctx, "b", 1, livedict.SetOptions[string, int]{}) },
			"SetIfAbsentContext": func() error { _, err := s.SetIfAbsentContext(ctx, "b", 1, livedict.NoExpiry); return err },
			"GetOrSetContext":    func() error { _, _, err := s.GetOrSetContext(ctx, "b", 1, livedict.NoExpiry); return err },
			"UpdateContext": func() error {
				_, _, err := s.UpdateContext(ctx, "b", livedict.NoExpiry, func(int, bool) (int, bool) { return 1, true })
				return err
			},
			"CompareAndSwapContext": func() error {
				_, err := livedict.CompareAndSwapContext(ctx, s.Bucket(""), "a", 1, 2)
				return err
			},
			"DeleteContext": func() error { _, err := s.DeleteContext(ctx, "a"); return err },
			"TouchContext":  func() error { _, err := s.TouchContext(ctx, "a", time.Hour); return err },
		} {
			if err := call(); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s waiting for room = %v, want DeadlineExceeded", name, err)
			}
		}
		if v, ok := s.Get("a"); !ok || v != 1 {
			t.Fatalf("a cancelled write changed memory: a = %d, %v", v, ok)
		}
		if _, ok := s.Get("b"); ok {
			t.Fatal("a cancelled write stored b")
		}
		f.Release()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// records counts the records of every bucket in data.
func records(t *testing.T, data *store.MemoryData, buckets ...string) int {
	t.Helper()
	if len(buckets) == 0 {
		buckets = []string{""}
	}
	n := 0
	for _, b := range buckets {
		for _, err := range store.NewMemoryShared(data).Scan(context.Background(), b) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return n
}

// TestWarmSkipsQueued: Warm does not bring back a record whose delete, or
// whose bucket's clear, is still queued.
func TestWarmSkipsQueued(t *testing.T) {
	data := new(store.MemoryData)
	s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
		Backend: store.NewMemoryShared(data), Plaintext: true, FlushInterval: time.Hour}})
	defer s.Close()
	ctx := context.Background()
	s.Set("gone", 1, livedict.NoExpiry)
	s.Bucket("c").Set("x", 1, livedict.NoExpiry)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.Delete("gone")
	s.Bucket("c").Clear()
	if _, err := s.WarmAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get("gone"); ok {
		t.Fatal("Warm brought back a key whose delete is queued")
	}
	if _, ok := s.Bucket("c").Get("x"); ok {
		t.Fatal("Warm brought back a key whose bucket's clear is queued")
	}
}
