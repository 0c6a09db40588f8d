package redis_test

import (
	"cmp"
	"fmt"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
	"github.com/livedict/livedict/store/storetest"
)

// backend opens Stores over one Redis setup, each under a prefix of its
// own, and gives raw access to the same setup for checks behind the
// Store's back.
type backend struct {
	// open opens a Store with opts (Prefix, Timeout, ScanCount) over the
	// setup.
	open func(t *testing.T, opts redis.Options) *redis.Store
	// raw is a client of the same setup.
	raw goredis.UniversalClient
	// prefix returns a fresh key prefix for t.
	prefix func(t *testing.T) string
	// url is the setup's URL, without a prefix.
	url string
}

// testTimeout is the Timeout of the Stores the tests open unless a test
// sets its own: long enough that a loaded CI machine does not fail calls
// (the fault tests check Timeout itself).
const testTimeout = 30 * time.Second

// openStore opens a Store and closes it when t ends.
func (b backend) openStore(t *testing.T, opts redis.Options) *redis.Store {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = b.prefix(t)
	}
	s := b.open(t, opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// harness opens the Store of one conformance case: every Open uses the
// same prefix, so a reopened Store sees what an earlier one wrote.
type harness struct {
	b      backend
	prefix string
}

func (h *harness) Open(t *testing.T) store.Stage {
	return h.b.open(t, redis.Options{Prefix: h.prefix})
}

// TestRedis runs the conformance suite and this package's own cases against
// a standalone server (LIVEDICT_REDIS_URL or REDIS_URL when set) and against
// a three-master cluster, in parallel.
func TestRedis(t *testing.T) {
	t.Run("Standalone", func(t *testing.T) {
		t.Parallel()
		testBackend(t, standaloneBackend(t))
	})
	t.Run("Cluster", func(t *testing.T) {
		t.Parallel()
		testBackend(t, clusterBackend(t))
	})
}

// standaloneBackend opens Stores through OpenURL, so URL parsing is part of
// every case.
func standaloneBackend(t *testing.T) backend {
	serverURL := redistest.Standalone(t)
	opts, err := goredis.ParseURL(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	raw := goredis.NewClient(opts)
	t.Cleanup(func() { _ = raw.Close() })
	return backend{
		raw:    raw,
		url:    serverURL,
		prefix: func(t *testing.T) string { return redistest.Prefix(t, serverURL) },
		open: func(t *testing.T, o redis.Options) *redis.Store {
			t.Helper()
			u, err := url.Parse(serverURL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("prefix", o.Prefix)
			q.Set("timeout", cmp.Or(o.Timeout, testTimeout).String())
			if o.ScanCount != 0 {
				q.Set("scan_count", fmt.Sprint(o.ScanCount))
			}
			u.RawQuery = q.Encode()
			s, err := redis.OpenURL(t.Context(), u.String())
			if err != nil {
				t.Fatalf("OpenURL: %v", err)
			}
			return s
		},
	}
}

// clusterBackend opens Stores through Open with the masters' addresses.
func clusterBackend(t *testing.T) backend {
	c := redistest.StartCluster(t)
	raw := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { _ = raw.Close() })
	var n atomic.Int64
	return backend{
		raw: raw,
		url: c.URL(),
		prefix: func(t *testing.T) string {
			// The cluster lives only for this test: no keys to clean up.
			return fmt.Sprintf("t%d", n.Add(1))
		},
		open: func(t *testing.T, o redis.Options) *redis.Store {
			t.Helper()
			o.Addrs = c.Addrs
			o.Timeout = cmp.Or(o.Timeout, testTimeout)
			s, err := redis.Open(&o)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		},
	}
}

func testBackend(t *testing.T, b backend) {
	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Harness {
			return &harness{b: b, prefix: b.prefix(t)}
		})
	})
	for _, c := range []struct {
		name string
		run  func(t *testing.T, b backend)
	}{
		{"HostileBuckets", testHostileBuckets},
		{"NestedPrefixes", testNestedPrefixes},
		{"ExpireAtPrecision", testExpireAtPrecision},
		{"ServerTTL", testServerTTL},
		{"ClientClockDecides", testClientClockDecides},
		{"ForeignKeys", testForeignKeys},
		{"ManyPages", testManyPages},
		{"BatchLastWins", testBatchLastWins},
		{"ScanEarlyStop", testScanEarlyStop},
		{"ScanCancelled", testScanCancelled},
		{"Ping", testPing},
		{"StoreOpen", testStoreOpen},
		{"Persisted", testPersisted},
		{"ScanSkipsCorrupt", testScanSkipsCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, b) })
	}
}
