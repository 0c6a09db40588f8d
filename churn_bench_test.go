package livedict_test

import (
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

// Issue 14's workloads: the Set tail while entries expire, and the heap an
// entry costs under each policy.

// churnKeys is the number of distinct keys BenchmarkSetTailChurn sets.
const churnKeys = 1_000_000

// BenchmarkSetTailChurn sets 1M distinct keys from 2 goroutines, each with
// a TTL drawn uniformly from [1 ms, 2 s], so that entries expire (and the
// reaper works) and the shards' tables grow while the Sets go on. It times
// every Set and reports the percentiles over both goroutines, and the
// fraction of Sets that were kept (every one must be: the store has no
// bound). ns/op is one whole round of 1M Sets.
func BenchmarkSetTailChurn(b *testing.B) {
	b.Run("ttl=1ms-2s", func(b *testing.B) { setTail(b, true, false) })
	// The same Sets without TTLs: the reaper has nothing to do, so what
	// differs from ttl=1ms-2s is what expiry costs the writers.
	b.Run("ttl=none", func(b *testing.B) { setTail(b, false, false) })
	// On a machine shared with other work the tail is mostly the OS
	// preempting the writers' threads mid-Set. These variants pin each
	// writer to its thread and leave out the Sets during which the thread
	// was switched out involuntarily (where the OS reports it), so what
	// remains is the store's own tail; the extra system calls slow every
	// Set alike.
	b.Run("ttl=1ms-2s/unpreempted", func(b *testing.B) { setTail(b, true, true) })
	b.Run("ttl=none/unpreempted", func(b *testing.B) { setTail(b, false, true) })
}

func setTail(b *testing.B, expiring, unpreempted bool) {
	const writers = 2
	var p50, p99, p999, worst float64
	rounds := 0
	for b.Loop() {
		// Every round starts as a fresh process would, on memory the OS
		// has yet to map: without this a round reuses the pages the one
		// before it faulted in, and the first variant run pays for the
		// rest (a page fault is several µs, on about one Set in 40).
		debug.FreeOSMemory()
		s, err := livedict.New[uint64, [2]uint64](nil)
		if err != nil {
			b.Fatal(err)
		}
		lat := make([][]int64, writers)
		var wg sync.WaitGroup
		for g := range writers {
			lat[g] = make([]int64, 0, churnKeys/writers)
			wg.Go(func() {
				if unpreempted {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
				}
				r := rand.New(rand.NewPCG(uint64(g), 14))
				for k := uint64(g); k < churnKeys; k += writers {
					ttl := livedict.NoExpiry
					if expiring {
						ttl = time.Millisecond + time.Duration(r.Int64N(int64(2*time.Second-time.Millisecond)+1))
					}
					var sw int64
					if unpreempted {
						sw = involuntarySwitches()
					}
					t0 := time.Now()
					err := s.Set(k, [2]uint64{k, k}, ttl)
					d := int64(time.Since(t0))
					if !unpreempted || involuntarySwitches() == sw {
						lat[g] = append(lat[g], d)
					}
					if err != nil {
						b.Errorf("Set %d: %v", k, err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := s.LenAll(); !expiring && n != churnKeys {
			b.Fatalf("%d of %d Sets kept", n, churnKeys)
		}
		s.Close()
		all := slices.Concat(lat...)
		if !unpreempted && len(all) != churnKeys {
			b.Fatalf("%d of %d Sets timed", len(all), churnKeys)
		}
		slices.Sort(all)
		p50 += float64(all[len(all)/2])
		p99 += float64(all[len(all)*99/100])
		p999 += float64(all[len(all)*999/1000])
		worst = max(worst, float64(all[len(all)-1]))
		rounds++
	}
	b.ReportMetric(p50/float64(rounds), "p50-ns")
	b.ReportMetric(p99/float64(rounds), "p99-ns")
	b.ReportMetric(p999/float64(rounds), "p99.9-ns")
	b.ReportMetric(worst, "max-ns")
	b.ReportMetric(1, "kept")
}

// BenchmarkMemoryPerEntry reports the live heap per entry, key and value
// included, of a store holding 1M uint64 keys with 16-byte values, under
// each policy with MaxKeys 1M, with and without a TTL (an hour: nothing
// expires during the measurement). The value is a [2]uint64 held in the
// entry; the value=bytes variants hold a 16-byte []byte instead (a slice
// header in the entry, the bytes in an allocation of their own). The Evict
// policy bounds each shard to its share of MaxKeys, so a few entries may
// be evicted: the heap is divided by the entries present.
func BenchmarkMemoryPerEntry(b *testing.B) {
	for _, policy := range []livedict.Policy{livedict.Reject, livedict.Evict} {
		for _, ttl := range []time.Duration{livedict.NoExpiry, time.Hour} {
			name := "policy=" + policy.String() + "/ttl=none"
			if ttl != livedict.NoExpiry {
				name = "policy=" + policy.String() + "/ttl=1h"
			}
			b.Run(name, func(b *testing.B) {
				memoryPerEntry(b, policy, ttl, func(i uint64) [2]uint64 { return [2]uint64{i, i} })
			})
		}
		b.Run("policy="+policy.String()+"/ttl=none/value=bytes", func(b *testing.B) {
			memoryPerEntry(b, policy, livedict.NoExpiry, func(uint64) []byte { return make([]byte, 16) })
		})
	}
}

func memoryPerEntry[V any](b *testing.B, policy livedict.Policy, ttl time.Duration, value func(uint64) V) {
	const n = 1_000_000
	var perEntry float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := livedict.New[uint64, V](&livedict.Options[uint64, V]{
			MaxKeys: n,
			Policy:  policy,
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := range uint64(n) {
			if err := s.Set(i, value(i), ttl); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&after)
		present := s.Len()
		if present < n*9/10 {
			b.Fatalf("Len = %d of %d", present, n)
		}
		perEntry = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(present)
		s.Close()
	}
	b.ReportMetric(perEntry, "B/entry")
}
