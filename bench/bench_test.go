package bench

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// Every benchmark here runs each contender under the same name, so benchstat
// lines them up: Benchmark<What>/key=<type>/cache=<contender>. The key=value
// form lets benchstat put the contenders side by side (benchstat -col
// /cache). Keys and traces are built before the timer starts; the measured
// loops do a slice load, a mask and the cache call.

// BenchmarkGetHit is Get on one goroutine over the prefilled set, following
// the Zipf(0.99) trace: every Get hits. It shows the cost of the read path
// itself (hashing, probing, expiry check, policy bookkeeping).
func BenchmarkGetHit(b *testing.B) {
	b.Run("key=string", benchGetHit[string])
	b.Run("key=uint64", benchGetHit[uint64])
}

func benchGetHit[K Key](b *testing.B) {
	for _, ct := range Contenders[K, value]() {
		b.Run("cache="+ct.Name, func(b *testing.B) {
			ds := data[K]()
			c := ct.Build(0)
			defer c.Close()
			present := fill(c, ds.keys, ct.TTL)
			runtime.GC()
			trace, mask := ds.zipf, len(ds.zipf)-1
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Get(trace[i&mask])
				i++
			}
			reportMops(b)
			reportPresent(b, present, len(ds.keys))
		})
	}
}

// BenchmarkParallelGet is read-only Get from GOMAXPROCS goroutines over the
// prefilled set, each goroutine following the Zipf(0.99) trace from its own
// offset. It shows how reads scale when nothing writes.
func BenchmarkParallelGet(b *testing.B) {
	b.Run("key=string", benchParallelGet[string])
	b.Run("key=uint64", benchParallelGet[uint64])
}

func benchParallelGet[K Key](b *testing.B) {
	forEachPrefilled[K](b, func(b *testing.B, ct Contender[K, value], c Cache[K, value], trace []K) {
		mask := len(trace) - 1
		var starts atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(Mix64(starts.Add(1)))
			for pb.Next() {
				c.Get(trace[i&mask])
				i++
			}
		})
	})
}

// BenchmarkMixed is 90% Get and 10% Set (every tenth operation) from
// GOMAXPROCS goroutines, both on the Zipf(0.99) trace over the prefilled
// set, so the writes are updates that land on the hottest keys and their
// shards, the case where a read-write lock makes readers wait.
func BenchmarkMixed(b *testing.B) {
	b.Run("key=string", benchMixed[string])
	b.Run("key=uint64", benchMixed[uint64])
}

func benchMixed[K Key](b *testing.B) {
	forEachPrefilled[K](b, func(b *testing.B, ct Contender[K, value], c Cache[K, value], trace []K) {
		mask := len(trace) - 1
		var starts atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(Mix64(starts.Add(1)))
			op := 0
			for pb.Next() {
				k := trace[i&mask]
				if op == 9 {
					c.Set(k, value(i), ct.TTL)
					op = 0
				} else {
					c.Get(k)
					op++
				}
				i++
			}
		})
	})
}

// BenchmarkParallelSetUpdate is Set from GOMAXPROCS goroutines on keys that
// are already present, following the Zipf(0.99) trace: the cost of
// replacing a value, with contention on the hottest keys.
func BenchmarkParallelSetUpdate(b *testing.B) {
	b.Run("key=string", benchParallelSetUpdate[string])
	b.Run("key=uint64", benchParallelSetUpdate[uint64])
}

func benchParallelSetUpdate[K Key](b *testing.B) {
	forEachPrefilled[K](b, func(b *testing.B, ct Contender[K, value], c Cache[K, value], trace []K) {
		mask := len(trace) - 1
		var starts atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(Mix64(starts.Add(1)))
			for pb.Next() {
				c.Set(trace[i&mask], value(i), ct.TTL)
				i++
			}
		})
		waitIfAsync(c)
	})
}

// BenchmarkParallelSetInsert is Set of keys the cache has never seen, from
// GOMAXPROCS goroutines, into a cache that starts empty and is unbounded (or
// bounded far above b.N): the cost of creating entries, with the growth of
// the table and the garbage collector's work on an ever larger heap
// included. Every run of the function starts a new cache, and the b.N keys
// are made beforehand, so every Set is an insert. For ristretto the time
// includes the final Wait, so that its background goroutine's work is
// counted, but its dropped writes are not.
func BenchmarkParallelSetInsert(b *testing.B) {
	b.Run("key=string", benchParallelSetInsert[string])
	b.Run("key=uint64", benchParallelSetInsert[uint64])
}

func benchParallelSetInsert[K Key](b *testing.B) {
	// Goroutines claim keys in chunks, so that handing them out is one
	// atomic add per chunk, not per Set; at most one chunk per goroutine
	// goes unused, hence the slack.
	const chunk = 256
	for _, ct := range Contenders[K, value]() {
		b.Run("cache="+ct.Name, func(b *testing.B) {
			keys := freshKeys[K](b.N + chunk*(runtime.GOMAXPROCS(0)+1))
			c := ct.Build(0)
			defer c.Close()
			runtime.GC()
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var i, end int
				for pb.Next() {
					if i == end {
						end = int(next.Add(chunk))
						i = end - chunk
					}
					c.Set(keys[i], value(i), ct.TTL)
					i++
				}
			})
			waitIfAsync(c)
			b.StopTimer()
			reportMops(b)
		})
	}
}

// forEachPrefilled runs body as a sub-benchmark per contender, with a cache
// filled with the dataset's keys and its Zipf trace. The cache is built and
// filled once per contender, not on every run the benchmark framework makes
// while it sizes b.N, and is closed when the sub-benchmark is done. body
// runs with the timer reset and allocations reported; Mops/s is reported
// after it.
func forEachPrefilled[K Key](b *testing.B, body func(b *testing.B, ct Contender[K, value], c Cache[K, value], trace []K)) {
	for _, ct := range Contenders[K, value]() {
		var (
			c       Cache[K, value]
			present int
		)
		b.Run("cache="+ct.Name, func(b *testing.B) {
			ds := data[K]()
			if c == nil {
				c = ct.Build(0)
				present = fill(c, ds.keys, ct.TTL)
				runtime.GC()
			}
			b.ReportAllocs()
			b.ResetTimer()
			body(b, ct, c, ds.zipf)
			b.StopTimer()
			reportMops(b)
			reportPresent(b, present, len(ds.keys))
		})
		if c != nil {
			c.Close()
		}
	}
}

// waitIfAsync waits until an asynchronous contender has applied its writes.
func waitIfAsync[K comparable](c Cache[K, value]) {
	if w, ok := c.(Waiter); ok {
		w.Wait()
	}
}

// reportMops reports throughput in millions of operations per second over
// the timed part. For a parallel benchmark it is the inverse of ns/op; it is
// there because it reads directly against other published numbers.
func reportMops(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s/1e6, "Mops/s")
	}
}

// reportPresent reports, when some of the prefill did not land (ristretto
// drops writes), the share of keys present, so that its Get numbers are
// read with their miss share in mind.
func reportPresent(b *testing.B, present, total int) {
	if present < total {
		b.ReportMetric(100*float64(present)/float64(total), "present%")
	}
}
