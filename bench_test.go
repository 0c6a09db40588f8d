package livedict_test

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

// The benchmarks here measure the store alone, with a 64-shard map behind
// sync.RWMutex as the floor, run in the same process. bench/ compares the
// store with other Go caches.

const benchKeys = 1 << 16

// rwMap is the baseline: the simplest safe sharded map.
type rwMap[K comparable, V any] struct {
	shards [64]struct {
		sync.RWMutex
		m map[K]V
		_ [40]byte
	}
	hash func(K) uint64
}

func newRWMap[K comparable, V any](hash func(K) uint64) *rwMap[K, V] {
	m := &rwMap[K, V]{hash: hash}
	for i := range m.shards {
		m.shards[i].m = make(map[K]V)
	}
	return m
}

func (m *rwMap[K, V]) Get(k K) (V, bool) {
	s := &m.shards[m.hash(k)&63]
	s.RLock()
	v, ok := s.m[k]
	s.RUnlock()
	return v, ok
}

func (m *rwMap[K, V]) Set(k K, v V) {
	s := &m.shards[m.hash(k)&63]
	s.Lock()
	s.m[k] = v
	s.Unlock()
}

func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

func u64Hash(x uint64) uint64 { return x * 0x9e3779b97f4a7c15 >> 7 }

func stringKeys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = "key-" + strconv.Itoa(i)
	}
	return ks
}

func BenchmarkGetHit(b *testing.B) {
	keys := stringKeys(benchKeys)
	b.Run("string/livedict", func(b *testing.B) {
		s, _ := livedict.New[string, int](nil)
		defer s.Close()
		for i, k := range keys {
			s.Set(k, i, livedict.NoExpiry)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.Get(keys[i&(benchKeys-1)])
			i++
		}
	})
	b.Run("string/rwmap", func(b *testing.B) {
		m := newRWMap[string, int](strHash)
		for i, k := range keys {
			m.Set(k, i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m.Get(keys[i&(benchKeys-1)])
			i++
		}
	})
	b.Run("string-ttl/livedict", func(b *testing.B) {
		s, _ := livedict.New[string, int](nil)
		defer s.Close()
		for i, k := range keys {
			s.Set(k, i, time.Hour)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s.Get(keys[i&(benchKeys-1)])
			i++
		}
	})
	b.Run("uint64/livedict", func(b *testing.B) {
		s, _ := livedict.New[uint64, int](nil)
		defer s.Close()
		for i := range benchKeys {
			s.Set(uint64(i), i, livedict.NoExpiry)
		}
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			s.Get(i & (benchKeys - 1))
			i++
		}
	})
	b.Run("uint64/rwmap", func(b *testing.B) {
		m := newRWMap[uint64, int](u64Hash)
		for i := range benchKeys {
			m.Set(uint64(i), i)
		}
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			m.Get(i & (benchKeys - 1))
			i++
		}
	})
}

func BenchmarkParallelGet(b *testing.B) {
	keys := stringKeys(benchKeys)
	b.Run("livedict", func(b *testing.B) {
		s, _ := livedict.New[string, int](nil)
		defer s.Close()
		for i, k := range keys {
			s.Set(k, i, livedict.NoExpiry)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(benchKeys)
			for pb.Next() {
				s.Get(keys[i&(benchKeys-1)])
				i++
			}
		})
	})
	b.Run("rwmap", func(b *testing.B) {
		m := newRWMap[string, int](strHash)
		for i, k := range keys {
			m.Set(k, i)
		}
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(benchKeys)
			for pb.Next() {
				m.Get(keys[i&(benchKeys-1)])
				i++
			}
		})
	})
}

func BenchmarkMixed90_10(b *testing.B) {
	keys := stringKeys(benchKeys)
	b.Run("livedict", func(b *testing.B) {
		s, _ := livedict.New[string, int](nil)
		defer s.Close()
		for i, k := range keys {
			s.Set(k, i, livedict.NoExpiry)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(benchKeys)
			for pb.Next() {
				k := keys[i&(benchKeys-1)]
				if i%10 == 0 {
					s.Set(k, i, livedict.NoExpiry)
				} else {
					s.Get(k)
				}
				i++
			}
		})
	})
	b.Run("rwmap", func(b *testing.B) {
		m := newRWMap[string, int](strHash)
		for i, k := range keys {
			m.Set(k, i)
		}
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(benchKeys)
			for pb.Next() {
				k := keys[i&(benchKeys-1)]
				if i%10 == 0 {
					m.Set(k, i)
				} else {
					m.Get(k)
				}
				i++
			}
		})
	})
}

func BenchmarkSet(b *testing.B) {
	b.Run("insert", func(b *testing.B) {
		s, _ := livedict.New[uint64, int](nil)
		defer s.Close()
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			s.Set(i, 1, livedict.NoExpiry)
			i++
		}
	})
	b.Run("insert-parallel", func(b *testing.B) {
		s, _ := livedict.New[uint64, int](nil)
		defer s.Close()
		var next atomic.Uint64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			base := next.Add(1) << 40
			for i := base; pb.Next(); i++ {
				s.Set(i, 1, livedict.NoExpiry)
			}
		})
	})
	b.Run("update", func(b *testing.B) {
		s, _ := livedict.New[uint64, int](nil)
		defer s.Close()
		for i := range benchKeys {
			s.Set(uint64(i), i, livedict.NoExpiry)
		}
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			s.Set(i&(benchKeys-1), 1, livedict.NoExpiry)
			i++
		}
	})
	b.Run("update-ttl", func(b *testing.B) {
		s, _ := livedict.New[uint64, int](nil)
		defer s.Close()
		for i := range benchKeys {
			s.Set(uint64(i), i, time.Hour)
		}
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			s.Set(i&(benchKeys-1), 1, time.Hour)
			i++
		}
	})
	b.Run("update/rwmap", func(b *testing.B) {
		m := newRWMap[uint64, int](u64Hash)
		for i := range benchKeys {
			m.Set(uint64(i), i)
		}
		b.ReportAllocs()
		i := uint64(0)
		for b.Loop() {
			m.Set(i&(benchKeys-1), 1)
			i++
		}
	})
}

func BenchmarkDelete(b *testing.B) {
	s, _ := livedict.New[uint64, int](nil)
	defer s.Close()
	fill := func() {
		for i := range uint64(benchKeys) {
			s.Set(i, 1, livedict.NoExpiry)
		}
	}
	fill()
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		if i == benchKeys { // refill rarely, outside the timing
			b.StopTimer()
			fill()
			i = 0
			b.StartTimer()
		}
		s.Delete(i)
		i++
	}
}

// BenchmarkBytesPerEntry reports the heap the store uses per entry beyond
// the key and value themselves (uint64 keys and values: 16 bytes).
func BenchmarkBytesPerEntry(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, _ := livedict.New[uint64, uint64](nil)
		for i := range uint64(n) {
			s.Set(i, i, livedict.NoExpiry)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n-16, "overhead-B/entry")
		runtime.KeepAlive(s)
		s.Close()
	}
}

// BenchmarkExpiryChurn fills a store with 1M keys expiring over 2 s and
// times Sets of other keys while they expire, against the same Sets on a
// store of 1M keys that do not expire. It also reports how long after the
// last deadline the last OnExpire ran. It waits for the 1M OnExpire calls
// (a minute at most, which only turns a hang into a failure) rather than
// sleeping a fixed time past the last deadline, so a busy machine changes
// the figures, never the outcome.
func BenchmarkExpiryChurn(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		idleStore, _ := livedict.New[uint64, int](nil)
		for i := range uint64(n) {
			idleStore.Set(i, 1, livedict.NoExpiry)
		}
		idle := setLatencies(idleStore, time.Now().Add(2*time.Second))
		idleStore.Close()

		var last, expired atomic.Int64
		all := make(chan struct{})
		s, _ := livedict.New(&livedict.Options[uint64, int]{
			OnExpire: func(livedict.Event[uint64, int]) {
				last.Store(time.Now().UnixNano())
				if expired.Add(1) == n {
					close(all)
				}
			},
		})
		var lastDeadline time.Time
		for i := range uint64(n) {
			ttl := time.Duration(i%2000+1) * time.Millisecond
			if i%2000 == 1999 {
				lastDeadline = time.Now().Add(ttl)
			}
			s.Set(i, 1, ttl)
		}
		churn := setLatencies(s, lastDeadline)
		select {
		case <-all:
		case <-time.After(time.Minute):
			b.Fatalf("a minute after the last deadline %d of %d entries have expired", expired.Load(), n)
		}
		b.ReportMetric(float64(last.Load()-lastDeadline.UnixNano())/1e6, "lag-ms")
		b.ReportMetric(float64(idle), "idle-p99.9-ns")
		b.ReportMetric(float64(churn), "churn-p99.9-ns")
		if left := s.LenAll(); left != 0 {
			b.Fatalf("%d entries left", left)
		}
		s.Close()
	}
}

// setLatencies sets and deletes fresh keys until the deadline, timing each
// Set, and returns the 99.9th percentile in nanoseconds.
func setLatencies(s *livedict.Store[uint64, int], until time.Time) int64 {
	lat := make([]int64, 0, 1<<22)
	for k := uint64(1 << 40); time.Now().Before(until) && len(lat) < cap(lat); k++ {
		t0 := time.Now()
		s.Set(k, 1, livedict.NoExpiry)
		lat = append(lat, int64(time.Since(t0)))
		s.Delete(k)
	}
	slices.Sort(lat)
	return lat[len(lat)*999/1000]
}
