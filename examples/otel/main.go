// Command otel exports a store's metrics with the OpenTelemetry Prometheus
// exporter and serves them at /metrics for Prometheus to scrape.
//
//	go -C examples run ./otel                # serves http://127.0.0.1:9464/metrics until interrupted
//	go -C examples run ./otel -once          # scrapes itself once, prints the livedict_ lines, exits
//
// The program keeps a small store busy (sets, hits, misses, expiring
// entries) so that the counters move between scrapes.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/otel"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9464", "address to serve /metrics on")
	once := flag.Bool("once", false, "scrape /metrics once, print the livedict_ lines and exit")
	flag.Parse()
	if err := run(*addr, *once); err != nil {
		log.Fatal(err)
	}
}

func run(addr string, once bool) error {
	s, err := livedict.New(&livedict.Options[string, string]{
		ReadStats:  true, // count hits and misses (an atomic add per read)
		DefaultTTL: time.Minute,
		Buckets:    map[string]livedict.BucketOptions{"sessions": {DefaultTTL: 2 * time.Second}},
	})
	if err != nil {
		return err
	}
	defer s.Close()

	// The exporter is an OpenTelemetry reader that registers with a
	// Prometheus registry; promhttp serves the registry.
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	reg, err := otel.Register(s, &otel.Options{MeterProvider: mp, Name: "demo"})
	if err != nil {
		return err
	}
	defer reg.Unregister()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/metrics"

	work(s, 0)
	if once {
		return printScrape(url)
	}
	fmt.Println("serving", url)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for round := 1; ; round++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			work(s, round)
		}
	}
}

// work does one round of traffic: a few sessions, reads that hit and miss.
func work(s *livedict.Store[string, string], round int) {
	sessions := s.Bucket("sessions")
	for i := range 10 {
		_ = sessions.Set("session-"+strconv.Itoa(round*10+i), "user", 0)
	}
	_ = s.Set("config", "v"+strconv.Itoa(round), 0)
	s.Get("config")
	sessions.Get("session-" + strconv.Itoa(round*10))
	sessions.Get("no-such-session")
}

func printScrape(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("scrape: " + resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "livedict_") {
			fmt.Println(line)
		}
	}
	return sc.Err()
}
