package layer_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

func TestMetricsConformance(t *testing.T) {
	var m layer.Counters
	layertest.Run(t, layer.Metrics(&m))
	if m.Snapshot().Put.Calls == 0 {
		t.Error("the conformance run counted no Put")
	}
}

// TestMetricsCounts runs in a synctest bubble with a backend that takes
// 2 ms a call, so latencies are exact.
func TestMetricsCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m layer.Counters
		f := faulty.Wrap(store.NewMemory())
		s := layer.Chain(f, layer.Metrics(&m))
		ctx := t.Context()
		f.Latency(2 * time.Millisecond)
		ms := func(n int) time.Duration { return time.Duration(n) * 2 * time.Millisecond }

		// Put: 3 calls, one failing; 2+3, 3+4 and 1+1 bytes in.
		for _, r := range []store.Record{
			{Key: []byte("ab"), Value: []byte("cde")},
			{Key: []byte("fgh"), Value: []byte("ijkl")},
		} {
			if err := s.Put(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		f.FailNth(1, errors.New("boom"))
		if err := s.Put(ctx, store.Record{Key: []byte("x"), Value: []byte("y")}); err == nil {
			t.Fatal("Put with an injected failure = nil")
		}
		// Get: a hit (2+3 bytes out), a miss, a failure.
		if _, err := s.Get(ctx, "", []byte("ab")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "", []byte("zz")); !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		f.FailNth(1, errors.New("boom"))
		if _, err := s.Get(ctx, "", []byte("ab")); err == nil {
			t.Fatal("Get with an injected failure = nil")
		}
		// PutBatch of two records: 1+1 and 2+0 bytes.
		if err := s.(store.BatchPutter).PutBatch(ctx, []store.Record{
			{Key: []byte("m"), Value: []byte("n")}, {Key: []byte("op")},
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "", []byte("op")); err != nil {
			t.Fatal(err)
		}
		// Scan yields ab, fgh, m: 5+7+2 bytes; the loop body's time is
		// not the stage's.
		for _, err := range s.Scan(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
		}
		if err := s.(store.Pinger).Ping(ctx); err != nil {
			t.Fatal(err)
		}
		// Memory is no Flusher: faulty answers the Flush itself.
		if err := s.(store.Flusher).Flush(ctx); err != nil {
			t.Fatal(err)
		}

		got := m.Snapshot()
		want := layer.MetricsSnapshot{
			Put:      layer.OpMetrics{Calls: 3, Errors: 1, Records: 2, BytesIn: 5 + 7 + 2, Latency: ms(2)},
			Get:      layer.OpMetrics{Calls: 3, Errors: 1, NotFound: 1, Records: 1, BytesOut: 5, Latency: ms(2)},
			PutBatch: layer.OpMetrics{Calls: 1, Records: 2, BytesIn: 4, Latency: ms(1)},
			Delete:   layer.OpMetrics{Calls: 1, Latency: ms(1)},
			Scan:     layer.OpMetrics{Calls: 1, Records: 3, BytesOut: 14, Latency: ms(1)},
			Ping:     layer.OpMetrics{Calls: 1, Latency: ms(1)},
			Flush:    layer.OpMetrics{Calls: 1, Latency: ms(1)},
		}
		// The injected failures return at once, so only the calls that
		// reached the delay count toward Latency; faulty passes Ping and
		// Flush on (with its delay), answering them itself for Memory.
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Snapshot (-want +got):\n%s", diff)
		}
		if mean := got.Get.MeanLatency(); mean != ms(2)/3 {
			t.Errorf("Get.MeanLatency = %v, want %v", mean, ms(2)/3)
		}
	})
}

func TestMetricsConcurrentAndShared(t *testing.T) {
	const workers, calls = 8, 200
	var m layer.Counters
	l := layer.Metrics(&m)
	// Two pipelines count into one Counters.
	stages := []store.Stage{layer.Chain(store.NewMemory(), l), layer.Chain(store.NewMemory(), l)}
	var wg sync.WaitGroup
	for w := range workers {
		s := stages[w%2]
		wg.Go(func() {
			for i := range calls {
				k := fmt.Appendf(nil, "%d-%d", w, i)
				_ = s.Put(t.Context(), store.Record{Key: k, Value: []byte("v")})
				_, _ = s.Get(t.Context(), "", k)
			}
		})
	}
	wg.Wait()
	got := m.Snapshot()
	if got.Put.Calls != workers*calls || got.Get.Records != workers*calls || got.Get.NotFound != 0 {
		t.Errorf("Snapshot = Put %+v, Get %+v; want %d puts and %d gets found", got.Put, got.Get, workers*calls, workers*calls)
	}
}

func TestMetricsNil(t *testing.T) {
	s := layer.Chain(store.NewMemory(), layer.Metrics(nil))
	if err := s.Put(t.Context(), store.Record{Key: []byte("k")}); err != nil {
		t.Errorf("Put through Metrics(nil) = %v", err)
	}
	if (layer.OpMetrics{}).MeanLatency() != 0 {
		t.Error("MeanLatency of no calls is not 0")
	}
}
