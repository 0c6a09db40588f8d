package expiry

import (
	"math/rand/v2"
	"testing"
)

// spread returns n deadlines after base, uniform over span, from a fixed
// seed so runs compare.
func spread(n int, base, span int64) []int64 {
	r := rand.New(rand.NewPCG(1, 1))
	ds := make([]int64, n)
	for i := range ds {
		ds[i] = base + 1 + r.Int64N(span)
	}
	return ds
}

// BenchmarkScheduleCancel is a store's Set of a new key with a TTL
// followed by its Delete, against a wheel already holding other nodes.
func BenchmarkScheduleCancel(b *testing.B) {
	var w Wheel
	nodes := make([]Node, 1<<16)
	ds := spread(len(nodes), 0, 3600*second)
	for i := range nodes[1024:] {
		w.Schedule(&nodes[1024+i], ds[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n := &nodes[i&1023]
		w.Schedule(n, ds[i&(len(ds)-1)])
		w.Cancel(n)
		i++
	}
}

// BenchmarkReschedule is a store's Set of an existing key: each node
// moves to a new deadline, between slots and levels.
func BenchmarkReschedule(b *testing.B) {
	var w Wheel
	nodes := make([]Node, 1<<16)
	ds := spread(len(nodes), 0, 3600*second)
	for i := range nodes {
		w.Schedule(&nodes[i], ds[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w.Schedule(&nodes[i&(len(nodes)-1)], ds[(i*7)&(len(ds)-1)])
		i++
	}
}

// BenchmarkExpire schedules n nodes over 2 s of deadlines (untimed) and
// times taking them all out again: "reaper" calls Expire at Next in
// batches of 1024, as a store's reaper does, and "sweep" expires them
// with one late clock. ns/node is the figure to read. At 1M nodes the
// lists outgrow the caches and each node costs a dependent cache miss per
// pass (one cascade, one take); 64K nodes show the cost without that.
func BenchmarkExpire(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"64K", 1 << 16}, {"1M", 1 << 20}} {
		for _, mode := range []string{"reaper", "sweep"} {
			b.Run("nodes="+size.name+"/"+mode, func(b *testing.B) {
				var w Wheel
				nodes := make([]Node, size.n)
				offs := spread(size.n, 0, 2*second)
				dst := make([]*Node, 0, 1024)
				base := int64(0)
				b.ReportAllocs()
				for b.Loop() {
					b.StopTimer()
					for i := range nodes {
						w.Schedule(&nodes[i], base+offs[i])
					}
					b.StartTimer()
					for w.Len() > 0 {
						now := base + 2*second
						if mode == "reaper" {
							now = w.Next()
						}
						dst = w.Expire(now, dst[:0], cap(dst))
					}
					base += 3 * second
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size.n), "ns/node")
			})
		}
	}
}

// BenchmarkNext is the reaper asking a wheel when it is next due.
func BenchmarkNext(b *testing.B) {
	var w Wheel
	nodes := make([]Node, 1<<14)
	for i, d := range spread(len(nodes), 0, 3600*second) {
		w.Schedule(&nodes[i], d)
	}
	for dst := make([]*Node, 0, len(nodes)); w.Next() <= 1800*second; {
		dst = w.Expire(1800*second, dst[:0], len(nodes))
	}
	b.ReportAllocs()
	for b.Loop() {
		w.Next()
	}
}

// BenchmarkDueHeapSet is the reaper updating one shard's due time among
// 256.
func BenchmarkDueHeapSet(b *testing.B) {
	h := NewDueHeap(256)
	ds := spread(1024, 0, 3600*second)
	for i := range h.Len() {
		h.Set(i, ds[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.Set(i&255, ds[i&1023])
		i++
	}
}
