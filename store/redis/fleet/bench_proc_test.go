package fleet_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store/redis/fleet"
	"github.com/livedict/livedict/store/redis/fleet/internal/proc"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// openBench opens a Map[string, int64] on url for b.
func openBench(b *testing.B, url, name string) *fleet.Map[string, int64] {
	b.Helper()
	m, err := fleet.Open(context.Background(), fleet.Options[string, int64]{URL: url, Name: name})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = m.Close() })
	return m
}

// BenchmarkProcInvalidationLatency measures, on loopback, the time from the
// start of a Set on Map A to Map B's tracker having dropped the entry (its
// Invalidations counter moving), over two Maps on one server. It reports
// the p50, p99 and p99.9 of b.N writes.
func BenchmarkProcInvalidationLatency(b *testing.B) {
	srv := redistest.Start(b)
	a, bm := openBench(b, srv.URL(), "inval"), openBench(b, srv.URL(), "inval")
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	var v int64
	for b.Loop() {
		base := bm.Stats().Invalidations
		v++
		start := time.Now()
		if err := a.Set(ctx, "k", v); err != nil {
			b.Fatal(err)
		}
		for bm.Stats().Invalidations == base {
			runtime.Gosched()
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) }
	b.ReportMetric(q(0.50), "p50-ns")
	b.ReportMetric(q(0.99), "p99-ns")
	b.ReportMetric(q(0.999), "p99.9-ns")
}

// BenchmarkProcSet compares a fleet Set (encode, one SET with a fresh version,
// the near cache's own invalidation) with a bare go-redis SET of the same
// 8-byte value on the same server.
func BenchmarkProcSet(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	b.Run("fleet", func(b *testing.B) {
		m := openBench(b, srv.URL(), "set")
		b.ReportAllocs()
		var i int64
		for b.Loop() {
			i++
			if err := m.Set(ctx, "k", i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-redis", func(b *testing.B) {
		c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
		defer c.Close()
		b.ReportAllocs()
		var buf [8]byte
		for b.Loop() {
			buf[0]++
			if err := c.Set(ctx, "ld:f:set:raw", buf[:], 0).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkProcClusterThroughput runs the random workload of the history
// tests (40% Get, the rest Set, Delete, Update, Add and CAS; each recorded)
// in 4 child processes of 2 workers each on a three-master cluster, over
// 1024 keys, and reports the fleet's total operations per second.
func BenchmarkProcClusterThroughput(b *testing.B) {
	cl := redistest.StartCluster(b)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("key", i)
	}
	spec := fleetSpecTB(b, cl.URL())
	cs := make([]*proc.Child, 4)
	for i := range cs {
		cs[i] = proc.Start(b, fmt.Sprint("P", i))
		cs[i].Must(b, proc.Request{Op: "open", Open: &spec})
	}
	b.ResetTimer()
	start := time.Now()
	for i, c := range cs {
		c.Must(b, proc.Request{Op: "run", Run: &proc.RunSpec{Inst: i, Client: 2 * i, Workers: 2, Seed: int64(i), Keys: keys}})
	}
	for total := 0; total < b.N; {
		total = 0
		for _, c := range cs {
			total += c.Must(b, proc.Request{Op: "count"}).Count
		}
		time.Sleep(5 * time.Millisecond) // polling interval of a benchmark
	}
	done := 0
	for _, c := range cs {
		done += len(c.Must(b, proc.Request{Op: "stop"}).Ops)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(done)/elapsed.Seconds(), "ops/s")
}
