package otel_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/otel"
	"github.com/livedict/livedict/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// scrape GETs url and parses the Prometheus text format it serves.
func scrape(t *testing.T, url string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scrape: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("scrape is not the text format: %v\n%s", err, body)
	}
	return fams, string(body)
}

// value returns the value of the sample of family name whose labels
// include want, and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// The Prometheus exporter, served over a real HTTP listener on
// 127.0.0.1, shows each metric under its Prometheus name with the value
// the known operations give, and no key anywhere.
func TestPrometheusScrape(t *testing.T) {
	s, err := livedict.New(&livedict.Options[string, string]{
		ReadStats: true,
		Buckets:   map[string]livedict.BucketOptions{"sessions": {MaxKeys: 2}},
		Persist:   &livedict.Persist[string, string]{Backend: store.NewMemory(), Plaintext: true},
		Loader: func(context.Context, string, string) (string, time.Duration, error) {
			return "from-loader", livedict.NoExpiry, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	reg, err := otel.Register(s, &otel.Options{MeterProvider: mp, Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	srv := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("listener at %s, want 127.0.0.1", srv.URL)
	}

	sess := s.Bucket("sessions")
	for _, k := range []string{"user-secret-1", "user-secret-2", "user-secret-3"} {
		_ = sess.Set(k, "v", 0) // the third is rejected
	}
	_ = s.Set("plain-key", "v", 0)
	_, _ = sess.Get("user-secret-1")   // hit
	_, _ = sess.Get("user-secret-404") // miss
	_, _ = s.Get("plain-key")          // hit
	sess.Delete("user-secret-2")       // delete
	if _, err := s.Bucket("cache").Load(context.Background(), "loaded-key"); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	fams, body := scrape(t, srv.URL+"/metrics")
	web := map[string]string{"livedict_store": "web"}
	for name, want := range map[string]float64{
		"livedict_hits_total":              2,
		"livedict_misses_total":            1,
		"livedict_sets_total":              4, // 2 in sessions, plain-key, the loaded key
		"livedict_deletes_total":           1,
		"livedict_rejections_total":        1,
		"livedict_expirations_total":       0,
		"livedict_evictions_total":         0,
		"livedict_persist_persisted_total": 4, // three writes and a delete reached the backend
		"livedict_persist_errors_total":    0,
		"livedict_persist_dropped_total":   0,
		"livedict_persist_pending":         0,
		"livedict_loads_total":             1,
		"livedict_load_errors_total":       0,
		"livedict_load_duration_seconds":   1,
	} {
		got, ok := value(fams, name, web)
		if !ok || got != want {
			t.Errorf("%s{livedict_store=\"web\"} = %v (found %v), want %v", name, got, ok, want)
		}
	}
	for bucket, want := range map[string]float64{"": 1, "sessions": 1, "cache": 1} {
		got, ok := value(fams, "livedict_entries", map[string]string{"livedict_store": "web", "livedict_bucket": bucket})
		if !ok || got != want {
			t.Errorf("livedict_entries{livedict_bucket=%q} = %v (found %v), want %v", bucket, got, ok, want)
		}
	}
	// No Weigher: the weight gauge is there, at 0 (TestWeightGauge checks values).
	if got, ok := value(fams, "livedict_weight", map[string]string{"livedict_store": "web", "livedict_bucket": "sessions"}); !ok || got != 0 {
		t.Errorf("livedict_weight{livedict_bucket=\"sessions\"} = %v (found %v), want 0", got, ok)
	}
	if got, ok := value(fams, "livedict_load_duration_seconds", map[string]string{"livedict_bucket": "cache"}); !ok || got != 1 {
		t.Errorf("load histogram of bucket cache: %v (found %v), want 1 call", got, ok)
	}
	for _, key := range []string{"user-secret", "plain-key", "loaded-key"} {
		if strings.Contains(body, key) {
			t.Errorf("the scrape shows key %q", key)
		}
	}
}
