package otel_test

import (
	"context"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// BenchmarkGet measures Get on a store with and without registered
// instruments: they read Stats only when collected, so the two must match.
// Compare with benchstat over -count runs.
func BenchmarkGet(b *testing.B) {
	const n = 1 << 16
	for _, registered := range []bool{false, true} {
		name := "unregistered"
		if registered {
			name = "registered"
		}
		b.Run(name, func(b *testing.B) {
			s, err := livedict.New[int, int](nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for i := range n {
				_ = s.Set(i, i, 0)
			}
			if registered {
				reader := sdkmetric.NewManualReader()
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
				defer mp.Shutdown(context.Background())
				reg, err := otel.Register(s, &otel.Options{MeterProvider: mp})
				if err != nil {
					b.Fatal(err)
				}
				defer reg.Unregister()
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := s.Get(i & (n - 1)); !ok {
					b.Fatal("miss")
				}
				i += 7919
			}
		})
	}
}
