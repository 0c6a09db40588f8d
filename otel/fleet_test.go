package otel_test

import (
	"sync/atomic"
	"testing"

	"github.com/livedict/livedict/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Each FleetStats counter reaches its own instrument exactly, with the
// store attribute only, at every collection; Unregister stops them.
func TestRegisterFleet(t *testing.T) {
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	defer mp.Shutdown(t.Context())

	var n atomic.Uint64
	read := func() otel.FleetStats {
		b := n.Load() * 100
		return otel.FleetStats{NearHits: b + 1, NearMisses: b + 2, Invalidations: b + 3, Flushes: b + 4,
			Reconnects: b + 5, Fills: b + 6, FillsDiscarded: b + 7, Conflicts: b + 8, LeaseBypasses: b + 9}
	}
	reg, err := otel.RegisterFleet(read, &otel.Options{MeterProvider: mp, Name: "sessions"})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"livedict.fleet.near.hits", "livedict.fleet.near.misses", "livedict.fleet.invalidations",
		"livedict.fleet.flushes", "livedict.fleet.reconnects", "livedict.fleet.fills",
		"livedict.fleet.fills.discarded", "livedict.fleet.conflicts", "livedict.fleet.lease.bypasses"}
	want := attrs(otel.StoreKey.String("sessions"))
	for round := range uint64(2) {
		n.Store(round)
		c := collect(t, r)
		for i, name := range names {
			pts := c.ints[name]
			if len(pts) != 1 {
				t.Fatalf("%s: %d points, want 1 (%v)", name, len(pts), pts)
			}
			if got, exp := pts[want], int64(round*100)+int64(i)+1; got != exp {
				t.Errorf("round %d: %s = %d, want %d", round, name, got, exp)
			}
		}
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if c := collect(t, r); len(c.ints) != 0 {
		t.Errorf("after Unregister: %v", c.ints)
	}
	if _, err := otel.RegisterFleet(nil, nil); err == nil {
		t.Error("RegisterFleet(nil) succeeded")
	}
}
