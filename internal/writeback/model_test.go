package writeback

import (
	"context"
	"math/rand"
	"sync"
	"testing"
	"time"
)

// ctlSink fails the writes of the keys in fail (and every clear while
// failCl is set), and holds each Write at gate, when set, after saying so
// on inW.
type ctlSink struct {
	mu     sync.Mutex
	fail   map[Key[int]]bool
	failCl bool
	stored map[Key[int]]int
	gate   chan struct{}
	inW    chan struct{}
}

func (s *ctlSink) BucketName(b uint32) string { return "b" }
func (s *ctlSink) Clear(_ context.Context, b uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCl {
		return context.DeadlineExceeded
	}
	clearStored(s.stored, b)
	return nil
}

func (s *ctlSink) Write(_ context.Context, ops []*Op[int, int], errs []error) {
	s.mu.Lock()
	g, in := s.gate, s.inW
	s.mu.Unlock()
	if g != nil {
		in <- struct{}{}
		<-g
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, op := range ops {
		if s.fail[op.Key] {
			errs[i] = context.DeadlineExceeded
			continue
		}
		applyStored(s.stored, op)
	}
}

// TestQueueModel runs random mixes of writes, compactions, drains whose
// writes of some keys (or whose clears) fail, bucket clears, and drains held
// inside Write while writers log and compact, against a model of the
// latest value of each key: at every step each key's newest queued op
// (Pending) holds that value, or nothing is queued and the sink stored it
// (or a clear of its bucket is queued), and after a last clean Flush the
// sink holds the model. A slab emptied while ops still point into it, or
// filled by the carry and the flight at once, breaks it.
func TestQueueModel(t *testing.T) {
	for seed := int64(0); seed < modelSeeds; seed++ {
		rng := rand.New(rand.NewSource(seed))
		limit := []int{3, 8, 40, 600, 1200}[rng.Intn(5)]
		s := &ctlSink{fail: map[Key[int]]bool{}, stored: map[Key[int]]int{}}
		e := New[int, int](Config{Stripes: 3, Limit: limit, Full: Drop, BlockTimeout: time.Millisecond,
			Retries: 1 << 30, FlushInterval: time.Hour, RetryBackoff: time.Millisecond, Timeout: time.Minute}, s)
		ctx := context.Background()
		model := map[Key[int]]int{} // the latest value of each key
		nkeys := 2 + rng.Intn(limit*2)
		v := 0
		put := func() {
			k := Key[int]{uint32(rng.Intn(2)), rng.Intn(nkeys)}
			if e.Reserve(ctx) != Reserved {
				e.compact()
				if e.Reserve(ctx) != Reserved {
					return
				}
			}
			v++
			e.Append(k.Key%3, k, v, false, nil)
			model[k] = v
		}
		check := func(step int) {
			for k, want := range model {
				op, found, _ := e.Pending(k.Key%3, k)
				s.mu.Lock()
				got, ok := s.stored[k]
				s.mu.Unlock()
				if found && op.Val != want {
					t.Fatalf("seed %d step %d: Pending(%v) = %d, want %d", seed, step, k, op.Val, want)
				}
				if !found && (!ok || got != want) {
					// Nothing queued: it must be stored, unless a clear is.
					if _, f2, cl := e.Pending(k.Key%3, k); !f2 && !cl {
						t.Fatalf("seed %d step %d: key %v neither queued nor stored (stored %d,%v; want %d)", seed, step, k, got, ok, want)
					}
				}
			}
		}
		for step := 0; step < 400; step++ {
			switch r := rng.Intn(20); {
			case r < 12:
				put()
			case r < 13:
				e.compact()
			case r < 16:
				s.mu.Lock()
				clear(s.fail)
				if rng.Intn(2) == 0 {
					for k := range model {
						if rng.Intn(3) == 0 {
							s.fail[k] = true
						}
					}
				}
				s.failCl = rng.Intn(4) == 0
				s.mu.Unlock()
				e.Flush(ctx)
			case r < 17:
				b := uint32(rng.Intn(2))
				e.ClearBuckets(ctx, map[uint32]bool{b: true}, nil, func(drop func(int)) {
					for i := 0; i < 3; i++ {
						drop(i)
					}
				})
				for k := range model {
					if k.Bucket == b {
						delete(model, k)
					}
				}
			default:
				// A drain held in Write while writers log and compact.
				s.mu.Lock()
				s.gate, s.inW = make(chan struct{}), make(chan struct{})
				g, in := s.gate, s.inW
				s.mu.Unlock()
				done := make(chan struct{})
				go func() { e.sem <- struct{}{}; e.drain(ctx, nil); e.release(); close(done) }()
				select {
				case <-in:
				case <-done:
				}
				s.mu.Lock()
				s.gate = nil
				s.mu.Unlock()
				for j := rng.Intn(2 * limit); j > 0; j-- {
					put()
					if rng.Intn(4) == 0 {
						e.compact()
					}
				}
				check(step)
				close(g)
				<-done
			}
			check(step)
		}
		s.mu.Lock()
		clear(s.fail)
		s.failCl = false
		s.mu.Unlock()
		if err := e.Flush(ctx); err != nil {
			t.Fatalf("seed %d: final flush: %v", seed, err)
		}
		for k, want := range model {
			if got, ok := s.stored[k]; !ok || got != want {
				t.Fatalf("seed %d: key %v stored %d,%v want %d", seed, k, got, ok, want)
			}
		}
		if p := e.Stats().Pending; p != 0 {
			t.Fatalf("seed %d: pending %d", seed, p)
		}
	}
}
