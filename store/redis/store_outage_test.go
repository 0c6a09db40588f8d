package redis_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// TestStoreOutage drives a write-behind Store over Redis, with the breaker
// layer, through two outages: the server frozen with SIGSTOP for 3 s, and
// the server killed and restarted. Writers never stop. It checks that no
// Set returns an error or is dropped from persistence, that the
// write-behind queue stays within its bound, that writes reach Redis
// and that after recovery a Flush brings the latest value of every key to
// Redis.
//
// It asserts no duration: how long a blocked Set may wait (BlockTimeout)
// is shown in virtual time by the root module's
// TestBlockedSetWaitsAtMostBlockTimeout; here the writers touch 1000 keys,
// which the queue coalesces far below its QueueSize, so no Set has to wait
// for room (on a loaded machine one still takes seconds of real time). The
// outages last real seconds, because that is what is being tested: those
// sleeps are phases, not waits for a result; the one wait for a result
// (Flush after recovery) polls, with a deadline that only turns a hang
// into a failure.
func TestStoreOutage(t *testing.T) {
	for _, c := range []struct {
		name   string
		outage func(t *testing.T, srv *redistest.Server)
	}{
		{"SIGSTOP3s", func(t *testing.T, srv *redistest.Server) {
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Second)
			if err := srv.Cont(); err != nil {
				t.Fatal(err)
			}
		}},
		{"KillRestart", func(t *testing.T, srv *redistest.Server) {
			if err := srv.Kill(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			testStoreOutage(t, redistest.Start(t), c.outage)
		})
	}
}

func testStoreOutage(t *testing.T, srv *redistest.Server, outage func(*testing.T, *redistest.Server)) {
	const (
		keys         = 1000
		queueSize    = 4096
		shards       = 16
		blockTimeout = 2 * time.Second
	)
	backend, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := livedict.New(&livedict.Options[int, int]{
		Shards: shards,
		Persist: &livedict.Persist[int, int]{
			Backend:   backend,
			Plaintext: true,
			Layers: []layer.Layer{layer.Breaker(layer.BreakerOptions{
				Timeout: 300 * time.Millisecond, Failures: 3, Cooldown: 200 * time.Millisecond,
			})},
			QueueSize:     queueSize,
			FlushInterval: 10 * time.Millisecond,
			RetryBackoff:  20 * time.Millisecond,
			Retries:       1 << 20, // an outage must not exhaust the retries
			BlockTimeout:  blockTimeout,
			Timeout:       time.Second,
			OnError:       func(error) {},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var longest atomic.Int64 // nanoseconds
	var setErr atomic.Value
	var maxPending atomic.Int64
	var next atomic.Int64
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := next.Add(1)
				start := time.Now()
				err := s.Set(int(n%keys), int(n), livedict.NoExpiry)
				if d := int64(time.Since(start)); d > longest.Load() {
					longest.Store(d)
				}
				if err != nil {
					setErr.Store(err)
				}
				if p := int64(s.Stats().PersistPending); p > maxPending.Load() {
					maxPending.Store(p)
				}
			}
		})
	}
	// Phases of real time, not waits for a result: nothing asserted below
	// depends on how much was persisted during them. (Waiting for writes
	// to reach Redis here would be a timing assertion: on a loaded machine
	// a batch can miss the 300 ms per-call deadline every time.)
	time.Sleep(200 * time.Millisecond) // writes flow before the outage
	outage(t, srv)
	time.Sleep(500 * time.Millisecond) // and after it
	close(stop)
	wg.Wait()

	if err, _ := setErr.Load().(error); err != nil {
		t.Fatalf("a write-behind Set returned %v during the outage", err)
	}
	bound := int64(2*queueSize + 2*queueSize/shards)
	if p := maxPending.Load(); p > bound {
		t.Errorf("the write-behind queue reached %d writes, past its bound %d", p, bound)
	}
	st := s.Stats()
	if st.PersistDropped != 0 {
		t.Errorf("%d writes were dropped from persistence", st.PersistDropped)
	}
	t.Logf("%d Sets, longest %v, queue peak %d, persisted %d, errors %d",
		next.Load(), time.Duration(longest.Load()), maxPending.Load(), st.Persisted, st.PersistErrors)

	// Recovery: Flush until the breaker lets it through. The deadline only
	// turns a hang into a failure: on a loaded machine batches can miss the
	// 300 ms per-call deadline many times before one gets through.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for {
		err := s.Flush(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("Flush never succeeded after the outage: %v", err)
		}
		if !errors.Is(err, layer.ErrCircuitOpen) {
			t.Logf("Flush after the outage: %v (retrying)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mem := map[int]int{}
	for k, v := range s.All() {
		mem[k] = v
	}
	if len(mem) != keys {
		t.Fatalf("memory holds %d keys, want %d", len(mem), keys)
	}
	kc, _ := codec.KeyFor[int]()
	vc := codec.Msgpack[int]()
	check, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	for k, want := range mem {
		kb, _ := kc.EncodeKey(nil, k)
		r, err := check.Get(ctx, "", kb)
		if err != nil {
			t.Fatalf("key %d: not in Redis after recovery: %v", k, err)
		}
		got, err := vc.Decode(r.Value)
		if err != nil || got != want {
			t.Fatalf("key %d: Redis holds %v (%v), memory %d: the latest value did not reach Redis", k, got, err, want)
		}
	}
}
