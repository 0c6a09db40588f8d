package otel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// FleetStats are the counters of a fleet Map (package
// github.com/livedict/livedict/store/redis/fleet) that RegisterFleet
// exports. This module does not depend on Redis, so the Map's Stats are
// copied into this struct by the function given to RegisterFleet:
//
//	otel.RegisterFleet(func() otel.FleetStats {
//		s := m.Stats()
//		return otel.FleetStats{Invalidations: s.Invalidations, Flushes: s.Flushes, ...}
//	}, &otel.Options{Name: "sessions"})
type FleetStats struct {
	NearHits, NearMisses uint64 // near-cache reads answered from memory, and not
	Invalidations        uint64 // invalidations received from Redis (each names one entry)
	Flushes              uint64 // whole near-cache flushes (a tracker lost, a topology change)
	Reconnects           uint64 // tracking connections opened again after a failure
	Fills                uint64 // Redis reads stored in the near cache
	FillsDiscarded       uint64 // Redis reads not stored: an invalidation or flush came meanwhile
	Conflicts            uint64 // read-modify-writes retried because another instance wrote first
	LeaseBypasses        uint64 // reads sent to Redis because the invalidation stream was not confirmed
}

// RegisterFleet creates the livedict.fleet.* instruments, observed from
// read at each collection (read must be safe for concurrent use; a fleet
// Map's Stats is). The livedict.store attribute is o.Name, as for
// Register; o.Buckets and o.LoadBuckets do not apply. Unregister stops the
// callback.
func RegisterFleet(read func() FleetStats, o *Options) (metric.Registration, error) {
	if read == nil {
		return nil, errors.New("livedict/otel: RegisterFleet: read is nil")
	}
	if o == nil {
		o = &Options{}
	}
	m, name := o.meter()
	storeOpt := metric.WithAttributeSet(attribute.NewSet(StoreKey.String(name)))

	var errs []error
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	type inst struct {
		c metric.Int64ObservableCounter
		v func(FleetStats) uint64
	}
	insts := []inst{
		{counter("livedict.fleet.near.hits", "{hit}", "Reads answered from the near cache."), func(s FleetStats) uint64 { return s.NearHits }},
		{counter("livedict.fleet.near.misses", "{miss}", "Reads the near cache could not answer."), func(s FleetStats) uint64 { return s.NearMisses }},
		{counter("livedict.fleet.invalidations", "{message}", "Invalidations received from Redis."), func(s FleetStats) uint64 { return s.Invalidations }},
		{counter("livedict.fleet.flushes", "{flush}", "Whole near-cache flushes."), func(s FleetStats) uint64 { return s.Flushes }},
		{counter("livedict.fleet.reconnects", "{connection}", "Tracking connections reopened after a failure."), func(s FleetStats) uint64 { return s.Reconnects }},
		{counter("livedict.fleet.fills", "{entry}", "Redis reads stored in the near cache."), func(s FleetStats) uint64 { return s.Fills }},
		{counter("livedict.fleet.fills.discarded", "{entry}", "Redis reads not stored because an invalidation came meanwhile."), func(s FleetStats) uint64 { return s.FillsDiscarded }},
		{counter("livedict.fleet.conflicts", "{retry}", "Read-modify-writes retried after another instance wrote first."), func(s FleetStats) uint64 { return s.Conflicts }},
		{counter("livedict.fleet.lease.bypasses", "{read}", "Reads sent to Redis because the invalidation stream was unconfirmed."), func(s FleetStats) uint64 { return s.LeaseBypasses }},
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	obsv := make([]metric.Observable, len(insts))
	for i, in := range insts {
		obsv[i] = in.c
	}
	cb, err := m.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
		st := read()
		for _, in := range insts {
			obs.ObserveInt64(in.c, clampInt64(in.v(st)), storeOpt)
		}
		return nil
	}, obsv...)
	if err != nil {
		return nil, err
	}
	return &registration{cb: cb, remove: func() {}}, nil
}
