package otel

import (
	"context"
	"errors"
	"slices"

	"github.com/livedict/livedict"
	gootel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
)

// ScopeName is the instrumentation scope of the meter Register uses.
const ScopeName = "github.com/livedict/livedict/otel"

// Attribute keys.
const (
	StoreKey  = attribute.Key("livedict.store")  // Options.Name
	BucketKey = attribute.Key("livedict.bucket") // a bucket's name, "" for the default bucket
)

// Options configure Register. The zero value is usable.
type Options struct {
	// MeterProvider makes the meter. Nil means the global provider
	// (go.opentelemetry.io/otel.GetMeterProvider).
	MeterProvider metric.MeterProvider
	// Name is the value of the livedict.store attribute. Empty means
	// "livedict". Give each store registered with one provider its own.
	Name string
	// Buckets limits livedict.entries and livedict.weight to these buckets. Nil means every
	// bucket of the store, as Store.Buckets lists them at each
	// collection.
	Buckets []string
	// LoadBuckets bounds the explicit bucket boundaries, in seconds, of
	// livedict.load.duration. Nil means the SDK's default boundaries
	// unless a View says otherwise.
	LoadBuckets []float64
}

// Register creates the instruments for s and returns their registration:
// Unregister stops the callback and the load observer, after which the
// instruments report nothing more for s. Register fails only when the
// meter refuses an instrument.
func Register[K comparable, V any](s *livedict.Store[K, V], o *Options) (metric.Registration, error) {
	if o == nil {
		o = &Options{}
	}
	m, name := o.meter()
	store := attribute.NewSet(StoreKey.String(name))
	storeOpt := metric.WithAttributeSet(store)

	var errs []error
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	hits := counter("livedict.hits", "{hit}", "Reads that found a live entry (counted with Options.ReadStats).")
	misses := counter("livedict.misses", "{miss}", "Reads that found no live entry (counted with Options.ReadStats).")
	sets := counter("livedict.sets", "{write}", "Successful writes.")
	deletes := counter("livedict.deletes", "{entry}", "Entries removed by Delete.")
	expirations := counter("livedict.expirations", "{entry}", "Entries removed because their deadline passed.")
	evictions := counter("livedict.evictions", "{entry}", "Entries evicted by the Evict policy.")
	rejections := counter("livedict.rejections", "{write}", "Writes refused with ErrFull.")
	entries := gauge("livedict.entries", "{entry}", "Entries in memory, per bucket, expired ones not yet reaped included.")
	weight := gauge("livedict.weight", "{weight}", "Total weight (Options.Weigher) of the entries in memory, per bucket; 0 without a Weigher.")
	pending := gauge("livedict.persist.pending", "{write}", "Writes queued for the backend and not yet taken by a drain.")
	persisted := counter("livedict.persist.persisted", "{write}", "Writes and deletes the backend acknowledged.")
	perrors := counter("livedict.persist.errors", "{error}", "Failed backend attempts.")
	dropped := counter("livedict.persist.dropped", "{write}", "Writes given up: full queue, or out of retries.")
	loads := counter("livedict.loads", "{call}", "Options.Loader calls.")
	loadErrors := counter("livedict.load.errors", "{call}", "Options.Loader calls that returned an error.")
	hopts := []metric.Float64HistogramOption{metric.WithUnit("s"), metric.WithDescription("Duration of Options.Loader calls.")}
	if o.LoadBuckets != nil {
		hopts = append(hopts, metric.WithExplicitBucketBoundaries(o.LoadBuckets...))
	}
	loadDuration, err := m.Float64Histogram("livedict.load.duration", hopts...)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	buckets := o.Buckets
	cb, err := m.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
		st := s.Stats()
		ls := s.LoadStats()
		for _, c := range []struct {
			inst metric.Int64ObservableCounter
			v    uint64
		}{
			{hits, st.Hits}, {misses, st.Misses}, {sets, st.Sets}, {deletes, st.Deletes},
			{expirations, st.Expirations}, {evictions, st.Evictions}, {rejections, st.Rejections},
			{persisted, st.Persisted}, {perrors, st.PersistErrors}, {dropped, st.PersistDropped},
			{loads, ls.Loads}, {loadErrors, ls.LoadErrors},
		} {
			obs.ObserveInt64(c.inst, clampInt64(c.v), storeOpt)
		}
		obs.ObserveInt64(pending, int64(st.PersistPending), storeOpt)
		names := s.Buckets()
		if buckets != nil {
			names = slices.Values(buckets)
		}
		for b := range names {
			v := s.Bucket(b)
			attrs := metric.WithAttributes(StoreKey.String(name), BucketKey.String(b))
			obs.ObserveInt64(entries, int64(v.Len()), attrs)
			obs.ObserveInt64(weight, v.Weight(), attrs)
		}
		return nil
	}, hits, misses, sets, deletes, expirations, evictions, rejections, entries, weight,
		pending, persisted, perrors, dropped, loads, loadErrors)
	if err != nil {
		return nil, err
	}
	remove := s.AddLoadObserver(func(ev livedict.LoadEvent) {
		loadDuration.Record(context.Background(), ev.Duration.Seconds(),
			metric.WithAttributes(StoreKey.String(name), BucketKey.String(ev.Bucket)))
	})
	return &registration{cb: cb, remove: remove}, nil
}

// clampInt64 converts a counter for an Int64 instrument; a uint64 past
// MaxInt64 (centuries of counting) stays at MaxInt64.
func clampInt64(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}

// registration undoes Register: the callback and the load observer.
type registration struct {
	embedded.Registration
	cb     metric.Registration
	remove func()
}

// Unregister stops the instruments' callback and the load observer. It
// may be called more than once.
func (r *registration) Unregister() error {
	r.remove()
	return r.cb.Unregister()
}

// meter returns the meter of o's provider (the global one when unset) and
// the livedict.store attribute's value.
func (o *Options) meter() (metric.Meter, string) {
	mp := o.MeterProvider
	if mp == nil {
		mp = gootel.GetMeterProvider()
	}
	name := o.Name
	if name == "" {
		name = "livedict"
	}
	return mp.Meter(ScopeName), name
}
