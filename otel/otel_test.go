package otel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/otel"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// collected holds one collection: metric name → attribute set → value.
type collected struct {
	ints  map[string]map[attribute.Distinct]int64
	hists map[string]map[attribute.Distinct]metricdata.HistogramDataPoint[float64]
}

func collect(t *testing.T, r *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	c := collected{ints: map[string]map[attribute.Distinct]int64{}, hists: map[string]map[attribute.Distinct]metricdata.HistogramDataPoint[float64]{}}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otel.ScopeName {
			t.Fatalf("scope %q, want %q", sm.Scope.Name, otel.ScopeName)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if !d.IsMonotonic || d.Temporality != metricdata.CumulativeTemporality {
					t.Errorf("%s: not a cumulative monotonic sum", m.Name)
				}
				c.ints[m.Name] = map[attribute.Distinct]int64{}
				for _, p := range d.DataPoints {
					c.ints[m.Name][p.Attributes.Equivalent()] = p.Value
				}
			case metricdata.Gauge[int64]:
				c.ints[m.Name] = map[attribute.Distinct]int64{}
				for _, p := range d.DataPoints {
					c.ints[m.Name][p.Attributes.Equivalent()] = p.Value
				}
			case metricdata.Histogram[float64]:
				c.hists[m.Name] = map[attribute.Distinct]metricdata.HistogramDataPoint[float64]{}
				for _, p := range d.DataPoints {
					c.hists[m.Name][p.Attributes.Equivalent()] = p
				}
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return c
}

func attrs(kv ...attribute.KeyValue) attribute.Distinct {
	s := attribute.NewSet(kv...)
	return s.Equivalent()
}

// Every counter of Stats and LoadStats reaches its instrument, exactly,
// with the store's name and no other attribute; entries are per bucket;
// the load histogram records each Loader call with its bucket.
func TestInstrumentsMatchStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backend := faulty.Wrap(store.NewMemory())
		s, err := livedict.New(&livedict.Options[int, string]{
			ReadStats: true,
			MaxKeys:   32,
			Policy:    livedict.Evict,
			Buckets:   map[string]livedict.BucketOptions{"small": {MaxKeys: 1}},
			Persist: &livedict.Persist[int, string]{
				Backend: backend, Plaintext: true, Mode: livedict.WriteThrough,
				OnError: func(error) {},
			},
			Loader: func(_ context.Context, _ string, k int) (string, time.Duration, error) {
				time.Sleep(250 * time.Millisecond) // fake time: the histogram sees exactly this
				if k < 0 {
					return "", 0, errors.New("no such key")
				}
				return "loaded", livedict.NoExpiry, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer mp.Shutdown(context.Background())
		reg, err := otel.Register(s, &otel.Options{MeterProvider: mp, Name: "test", LoadBuckets: []float64{0.1, 0.5, 1}})
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Unregister()

		ctx := context.Background()
		backend.FailNth(1, errors.New("backend down")) // the first write fails once
		_ = s.Set(1000, "x", 0)
		for i := range 100 { // more than MaxKeys: evictions
			if err := s.Set(i, "v", 0); err != nil {
				t.Fatal(err)
			}
		}
		small := s.Bucket("small")
		_ = small.Set(1, "a", 0)
		if err := small.Set(2, "b", 0); !errors.Is(err, livedict.ErrFull) {
			t.Fatalf("second write to a bucket of one key: %v, want ErrFull", err)
		}
		_ = s.Set(500, "short", time.Second)
		time.Sleep(2 * time.Second) // the reaper expires key 500
		synctest.Wait()
		_, _ = s.Get(99)
		_, _ = s.Get(-5)
		s.Delete(99)
		if _, err := s.Bucket("loaded").Load(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Bucket("loaded").Load(ctx, -7); err == nil {
			t.Fatal("Load of a key the Loader refuses succeeded")
		}

		st, ls := s.Stats(), s.LoadStats()
		if st.Evictions == 0 || st.Expirations != 1 || st.Rejections != 1 || st.PersistErrors == 0 ||
			st.Hits == 0 || st.Misses == 0 || st.Deletes != 1 || ls.Loads != 2 || ls.LoadErrors != 1 {
			t.Fatalf("the operations did not exercise every counter: %+v %+v", st, ls)
		}
		got := collect(t, reader)
		store := attrs(otel.StoreKey.String("test"))
		for name, want := range map[string]uint64{
			"livedict.hits": st.Hits, "livedict.misses": st.Misses, "livedict.sets": st.Sets,
			"livedict.deletes": st.Deletes, "livedict.expirations": st.Expirations,
			"livedict.evictions": st.Evictions, "livedict.rejections": st.Rejections,
			"livedict.persist.persisted": st.Persisted, "livedict.persist.errors": st.PersistErrors,
			"livedict.persist.dropped": st.PersistDropped, "livedict.persist.pending": uint64(st.PersistPending),
			"livedict.loads": ls.Loads, "livedict.load.errors": ls.LoadErrors,
		} {
			pts := got.ints[name]
			if len(pts) != 1 || pts[store] != int64(want) {
				t.Errorf("%s = %v, want one point {livedict.store=test} = %d", name, pts, want)
			}
		}
		entries := got.ints["livedict.entries"]
		names := slices.Collect(s.Buckets())
		for _, b := range names {
			k := attrs(otel.StoreKey.String("test"), otel.BucketKey.String(b))
			if v, ok := entries[k]; !ok || v != int64(s.Bucket(b).Len()) {
				t.Errorf("livedict.entries{bucket=%q} = %d (present %v), want %d", b, v, ok, s.Bucket(b).Len())
			}
		}
		if len(entries) != len(names) {
			t.Errorf("livedict.entries has %d points, want one per bucket (%d)", len(entries), len(names))
		}
		h := got.hists["livedict.load.duration"][attrs(otel.StoreKey.String("test"), otel.BucketKey.String("loaded"))]
		if h.Count != 2 || h.Sum != 0.5 || fmt.Sprint(h.BucketCounts) != "[0 2 0 0]" {
			t.Errorf("load histogram: count %d, sum %v, buckets %v; want 2 calls of 0.25s", h.Count, h.Sum, h.BucketCounts)
		}
		if len(got.hists["livedict.load.duration"]) != 1 {
			t.Errorf("load histogram points: %v", got.hists["livedict.load.duration"])
		}
	})
}

// Options.Buckets limits livedict.entries to the buckets named.
func TestOptionsBuckets(t *testing.T) {
	s, err := livedict.New[string, int](nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Bucket("a").Set("k", 1, 0)
	s.Bucket("b").Set("k", 1, 0)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	reg, err := otel.Register(s, &otel.Options{MeterProvider: mp, Buckets: []string{"b"}})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	got := collect(t, reader).ints["livedict.entries"]
	want := attrs(otel.StoreKey.String("livedict"), otel.BucketKey.String("b"))
	if len(got) != 1 || got[want] != 1 {
		t.Fatalf("entries = %v, want one point for bucket b (store name defaults to livedict)", got)
	}
}

// After Unregister, nothing more is reported for the store, and Loader
// calls are no longer recorded.
func TestUnregister(t *testing.T) {
	s, err := livedict.New(&livedict.Options[int, int]{
		Persist: &livedict.Persist[int, int]{Backend: store.NewMemory(), Plaintext: true},
		Loader:  func(context.Context, string, int) (int, time.Duration, error) { return 1, 0, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	reg, err := otel.Register(s, &otel.Options{MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, reader); got.ints["livedict.sets"] == nil {
		t.Fatal("registered store reports no livedict.sets")
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Unregister(); err != nil {
		t.Fatalf("second Unregister: %v", err)
	}
	if _, err := s.Load(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	got := collect(t, reader)
	for name, pts := range got.ints {
		if len(pts) != 0 {
			t.Errorf("%s still reported after Unregister: %v", name, pts)
		}
	}
	for name, pts := range got.hists {
		if len(pts) != 0 {
			t.Errorf("%s recorded after Unregister: %v", name, pts)
		}
	}
}

// livedict.weight reports each bucket's weight, as View.Weight gives it.
func TestWeightGauge(t *testing.T) {
	s, err := livedict.New(&livedict.Options[string, string]{
		Weigher: func(_ string, v string) uint32 { return uint32(len(v)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.Set("k", "12345", 0)
	_ = s.Bucket("a").Set("k", "123", 0)
	_ = s.Bucket("a").Set("j", "1", 0)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	reg, err := otel.Register(s, &otel.Options{MeterProvider: mp, Name: "w"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	got := collect(t, reader).ints["livedict.weight"]
	want := map[attribute.Distinct]int64{
		attrs(otel.StoreKey.String("w"), otel.BucketKey.String("")):  5,
		attrs(otel.StoreKey.String("w"), otel.BucketKey.String("a")): 4,
	}
	if len(got) != len(want) {
		t.Fatalf("livedict.weight = %v, want one point per bucket: %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("livedict.weight%v = %d, want %d", k, got[k], w)
		}
	}
}
