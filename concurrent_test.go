package livedict_test

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

// TestConcurrentMix runs every operation from many goroutines at once, with
// hooks that call back into the store, for the race detector to judge. It
// then checks the invariants that must hold whatever the interleaving.
func TestConcurrentMix(t *testing.T) {
	for _, policy := range []livedict.Policy{livedict.Reject, livedict.Evict} {
		t.Run(policy.String(), func(t *testing.T) {
			var s *livedict.Store[int, int]
			var expired, deletedHooks atomic.Int64
			s = newStore(t, &livedict.Options[int, int]{
				MaxKeys: 512,
				Policy:  policy,
				Shards:  4,
				OnExpire: func(ev livedict.Event[int, int]) {
					expired.Add(1)
					s.Get(ev.Key)
				},
				OnDelete: func(ev livedict.Event[int, int]) {
					deletedHooks.Add(1)
					s.Has(ev.Key)
				},
				OnSet: []func(livedict.Event[int, int]){func(ev livedict.Event[int, int]) {
					if ev.Value < 0 {
						t.Error("negative value set")
					}
				}},
			})
			buckets := []*livedict.View[int, int]{s.Bucket(""), s.Bucket("a"), s.Bucket("b")}
			const workers, ops = 8, 3000
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 7))
					for i := range ops {
						v := buckets[r.IntN(len(buckets))]
						k := r.IntN(1024)
						ttl := time.Duration(r.IntN(3)) * time.Millisecond // 0 is DefaultTTL: none here
						switch r.IntN(12) {
						case 0, 1, 2:
							v.Set(k, i, ttl)
						case 3, 4, 5:
							if got, ok := v.Get(k); ok && got < 0 {
								t.Error("negative value read")
							}
						case 6:
							v.Delete(k)
						case 7:
							v.Touch(k, ttl)
						case 8:
							v.GetOrSet(k, i, ttl)
						case 9:
							v.Update(k, livedict.KeepTTL, func(old int, found bool) (int, bool) { return old + 1, true })
						case 10:
							for range v.All() {
								if r.IntN(50) == 0 {
									break
								}
							}
						case 11:
							v.TTL(k)
							v.Len()
							s.Stats()
							if r.IntN(200) == 0 {
								v.Clear()
							}
						}
					}
				})
			}
			wg.Wait()
			if n := s.LenAll(); n > 512 {
				t.Fatalf("Len %d past MaxKeys", n)
			}
			n := 0
			for range 3 {
				n = 0
				for _, v := range buckets {
					for range v.Keys() {
						n++
					}
				}
			}
			if n > s.LenAll() {
				t.Fatalf("iterators saw %d live keys, Len %d", n, s.LenAll())
			}
			s.Close() // runs the expiry hooks still queued
			st := s.Stats()
			if expired.Load() != int64(st.Expirations) {
				t.Fatalf("OnExpire ran %d times for %d expirations", expired.Load(), st.Expirations)
			}
			if deletedHooks.Load() < int64(st.Expirations+st.Evictions+st.Deletes) {
				t.Fatalf("OnDelete ran %d times for %+v", deletedHooks.Load(), st)
			}
		})
	}
}

// TestSetVisibleToOtherGoroutines checks that a Set that returned is seen
// by a Get on any goroutine right after: no write is deferred or dropped.
func TestSetVisibleToOtherGoroutines(t *testing.T) {
	s := newStore[int, int](t, nil)
	const n = 20000
	published := make(chan int, 64)
	var wg sync.WaitGroup
	wg.Go(func() {
		for k := range published {
			if v, ok := s.Get(k); !ok || v != k {
				t.Errorf("key %d set but Get = %d, %v", k, v, ok)
				return
			}
		}
	})
	for i := range n {
		if err := s.Set(i, i, livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		published <- i
	}
	close(published)
	wg.Wait()
}
