package otel_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/otel"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Export a store's metrics with the OpenTelemetry Prometheus exporter and
// serve them for scraping. A service would listen on its own address with
// http.Handle("/metrics", ...); the example scrapes a local test server.
func Example_prometheus() {
	s, err := livedict.New(&livedict.Options[string, int]{ReadStats: true})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		log.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	reg, err := otel.Register(s, &otel.Options{MeterProvider: mp, Name: "example"})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Unregister()

	_ = s.Set("a", 1, 0)
	_ = s.Bucket("sessions").Set("b", 2, 0)
	s.Get("a")
	s.Get("missing")

	srv := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		for _, name := range []string{"livedict_hits_total", "livedict_misses_total", "livedict_sets_total", "livedict_entries"} {
			if strings.HasPrefix(line, name+"{") {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// livedict_entries{livedict_bucket="",livedict_store="example"} 1
	// livedict_entries{livedict_bucket="sessions",livedict_store="example"} 1
	// livedict_hits_total{livedict_store="example"} 1
	// livedict_misses_total{livedict_store="example"} 1
	// livedict_sets_total{livedict_store="example"} 2
}
