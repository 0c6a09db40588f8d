package livedict_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

// TestConcurrentMix runs every operation from many goroutines at once, with
// hooks that call back into the store, for the race detector to judge. TTLs
// of 1 and 2 ms expire in real time meanwhile, so the checks are only ones
// that hold whatever the interleaving and the machine's load:
//
//   - every value read (Get, All, GetOrSet, Update, hooks) carries the
//     bucket and key it was written under: no value leaks across keys or
//     buckets, and none is torn;
//   - a TTL read is never more than the longest TTL set;
//   - writes fail only with ErrFull, and only under Reject;
//   - once the writers have stopped and every remaining entry has been made
//     permanent (Touch with NoExpiry, which also removes those found
//     expired), nothing changes any more, and Len, Keys and All agree
//     exactly in every bucket, within MaxKeys;
//   - after Close, each hook ran exactly once per event Stats counted.
func TestConcurrentMix(t *testing.T) {
	const (
		workers, ops = 8, 3000
		keys         = 1024
		maxKeys      = 512
		maxTTL       = 2 * time.Millisecond
	)
	for _, policy := range []livedict.Policy{livedict.Reject, livedict.Evict} {
		t.Run(policy.String(), func(t *testing.T) {
			var s *livedict.Store[int, int64]
			names := []string{"", "a", "b"}
			var onExpire, hookExpired, hookEvicted, hookDeleted atomic.Int64
			check := func(what, bucket string, k int, v int64) {
				if want := owner(slices.Index(names, bucket), k); v>>32 != want {
					t.Errorf("%s: bucket %q key %d holds %#x, written for %#x", what, bucket, k, v, want<<32)
				}
			}
			s = newStore(t, &livedict.Options[int, int64]{
				MaxKeys: maxKeys,
				Policy:  policy,
				Shards:  4,
				OnExpire: func(ev livedict.Event[int, int64]) {
					check("OnExpire", ev.Bucket, ev.Key, ev.Value)
					onExpire.Add(1)
					s.Get(ev.Key)
				},
				OnDelete: func(ev livedict.Event[int, int64]) {
					check("OnDelete", ev.Bucket, ev.Key, ev.Value)
					switch ev.Reason {
					case livedict.ReasonExpired:
						hookExpired.Add(1)
					case livedict.ReasonEvicted:
						hookEvicted.Add(1)
					case livedict.ReasonDeleted:
						hookDeleted.Add(1)
					}
					s.Has(ev.Key)
				},
				OnSet: []func(livedict.Event[int, int64]){func(ev livedict.Event[int, int64]) {
					check("OnSet", ev.Bucket, ev.Key, ev.Value)
				}},
			})
			buckets := []*livedict.View[int, int64]{s.Bucket(""), s.Bucket("a"), s.Bucket("b")}
			wrote := func(err error) {
				if err != nil && !(policy == livedict.Reject && errors.Is(err, livedict.ErrFull)) {
					t.Errorf("write under %v: %v", policy, err)
				}
			}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 7))
					for i := range ops {
						bi := r.IntN(len(buckets))
						v, name := buckets[bi], names[bi]
						k := r.IntN(keys)
						val := owner(bi, k)<<32 | int64(w)<<16 | int64(i)
						ttl := time.Duration(r.IntN(3)) * time.Millisecond // 0 is DefaultTTL: none here
						switch r.IntN(12) {
						case 0, 1, 2:
							wrote(v.Set(k, val, ttl))
						case 3, 4, 5:
							if got, ok := v.Get(k); ok {
								check("Get", name, k, got)
							}
						case 6:
							v.Delete(k)
						case 7:
							v.Touch(k, ttl)
						case 8:
							got, _, err := v.GetOrSet(k, val, ttl)
							wrote(err)
							if err == nil {
								check("GetOrSet", name, k, got)
							}
						case 9:
							_, _, err := v.Update(k, livedict.KeepTTL, func(old int64, found bool) (int64, bool) {
								if !found {
									return val, true
								}
								check("Update", name, k, old)
								return old + 1<<16, true // another writer's mark; the owner stays
							})
							wrote(err)
						case 10:
							for key, got := range v.All() {
								check("All", name, key, got)
								if r.IntN(50) == 0 {
									break
								}
							}
						case 11:
							if left, ok := v.TTL(k); ok && left != livedict.NoExpiry && (left <= 0 || left > maxTTL) {
								t.Errorf("TTL %v, past the longest TTL set (%v)", left, maxTTL)
							}
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

			// Quiesce: make every remaining entry permanent. Touch removes
			// an entry it finds expired, so afterwards no entry has a
			// deadline, the reaper has nothing left to remove, and the
			// counts can only agree.
			for _, v := range buckets {
				for k := range keys {
					v.Touch(k, livedict.NoExpiry)
				}
			}
			total := 0
			for i, v := range buckets {
				nKeys, nAll := 0, 0
				for k := range v.Keys() {
					if _, ok := v.TTL(k); !ok {
						t.Errorf("bucket %q: Keys yielded %d, which holds no live entry", names[i], k)
					}
					nKeys++
				}
				for k, got := range v.All() {
					check("All after the writers", names[i], k, got)
					nAll++
				}
				if n := v.Len(); nKeys != n || nAll != n {
					t.Errorf("bucket %q: Len %d, Keys yielded %d, All %d", names[i], n, nKeys, nAll)
				}
				total += nKeys
			}
			if n := s.LenAll(); n != total || n > maxKeys {
				t.Errorf("Store.LenAll %d, the buckets hold %d (MaxKeys %d)", n, total, maxKeys)
			}

			s.Close() // runs the expiry hooks still queued
			st := s.Stats()
			if onExpire.Load() != int64(st.Expirations) {
				t.Errorf("OnExpire ran %d times for %d expirations", onExpire.Load(), st.Expirations)
			}
			if hookExpired.Load() != int64(st.Expirations) || hookEvicted.Load() != int64(st.Evictions) || hookDeleted.Load() != int64(st.Deletes) {
				t.Errorf("OnDelete ran for %d expirations, %d evictions, %d deletes; Stats counted %+v",
					hookExpired.Load(), hookEvicted.Load(), hookDeleted.Load(), st)
			}
		})
	}
}

// owner is what TestConcurrentMix puts in a value's upper 32 bits: the
// bucket and key it is written under.
func owner(bucket, key int) int64 { return int64(bucket+1)<<16 | int64(key) }

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
