package fleet

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

const benchKeys = 1 << 10

// BenchmarkNearHit measures a near-cache hit of a fleet Map against a Get
// of a memory-only livedict.Store holding the same keys, in one run:
// the difference is the fleet's price on the read path (the lease check
// and the deadline of the entry).
func BenchmarkNearHit(b *testing.B) {
	ctx := context.Background()
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "key" + strconv.Itoa(i)
	}
	b.Run("fleet", func(b *testing.B) {
		srv := redistest.Start(b)
		// The real clock and the real tracker. A Lease of a minute (a
		// confirmation every 15s) and a MaxStaleness of an hour keep the
		// lease and the entries valid through the loop on a loaded
		// machine: the Lease changes how often the tracker pings, not what
		// a near hit costs (one atomic load, one clock read).
		m, err := Open(ctx, Options[string, int]{Name: "bench", Redis: standalone(srv), Lease: time.Minute, MaxStaleness: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		for i, k := range keys {
			if err := m.Set(ctx, k, i); err != nil {
				b.Fatal(err)
			}
		}
		for _, k := range keys {
			waitForB(b, func() bool { _, ok, _ := m.Get(ctx, k); return ok && m.near.view.Has(k) })
		}
		before := m.Stats()
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			if _, ok, _ := m.Get(ctx, keys[i&(benchKeys-1)]); !ok {
				b.Fatal("miss")
			}
			i++
		}
		b.StopTimer()
		// Every Get of the loop must have been a near hit, or the figure
		// measures Redis reads.
		if s := m.Stats(); s.NearMisses != before.NearMisses {
			b.Fatalf("%d near misses (%d lease bypasses) in the timed loop",
				s.NearMisses-before.NearMisses, s.LeaseBypasses-before.LeaseBypasses)
		}
	})
	b.Run("livedict", func(b *testing.B) {
		s, err := livedict.New[string, int](nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		v := s.Bucket("")
		for i, k := range keys {
			if err := v.Set(k, i, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, ok := v.Get(keys[i&(benchKeys-1)]); !ok {
				b.Fatal("miss")
			}
			i++
		}
	})
}

// BenchmarkMiss measures a Get that reads Redis (the near cache is
// flushed before each), the cost of a miss.
func BenchmarkMiss(b *testing.B) {
	ctx := context.Background()
	srv := redistest.Start(b)
	m, err := Open(ctx, Options[string, int]{Name: "bench", Redis: standalone(srv)})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	if err := m.Set(ctx, "k", 1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.near.invalidate(mustNameB(b, m, "k"))
		if _, _, err := m.Get(ctx, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

func mustNameB(b *testing.B, m *Map[string, int], key string) string {
	n, err := m.storageName(key)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func waitForB(b *testing.B, cond func() bool) {
	for range 1_000_000 {
		if cond() {
			return
		}
	}
	b.Fatal("condition never held")
}
