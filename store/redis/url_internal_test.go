package redis

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

const secret = "s3cr%t-pw" // what must never appear in an error

// parse parses raw with parseURL and closes the client it builds (which has
// not dialled anything) when t ends.
func parse(t *testing.T, raw string) (*Options, goredis.UniversalClient, error) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("url.Parse(%q) = %v", raw, err)
	}
	o, c, err := parseURL(u)
	if c != nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return o, c, err
}

func TestParseURLStandalone(t *testing.T) {
	o, c, err := parse(t, "redis://app:"+url.QueryEscape(secret)+"@db.example:6380/2?prefix=p1&timeout=250ms&scan_count=7&dial_timeout=3s&pool_size=4")
	if err != nil {
		t.Fatal(err)
	}
	if o.Prefix != "p1" || o.Timeout != 250*time.Millisecond || o.ScanCount != 7 {
		t.Errorf("store options = %+v, want prefix p1, timeout 250ms, scan_count 7", o)
	}
	cl, ok := c.(*goredis.Client)
	if !ok {
		t.Fatalf("client is a %T, want *redis.Client", c)
	}
	ro := cl.Options()
	if ro.Addr != "db.example:6380" || ro.DB != 2 || ro.Username != "app" || ro.Password != secret ||
		ro.DialTimeout != 3*time.Second || ro.PoolSize != 4 || !ro.ContextTimeoutEnabled || ro.TLSConfig != nil {
		t.Errorf("redis options: addr %q db %d user %q password ok %v dial %v pool %d ctxTimeout %v tls %v",
			ro.Addr, ro.DB, ro.Username, ro.Password == secret, ro.DialTimeout, ro.PoolSize, ro.ContextTimeoutEnabled, ro.TLSConfig != nil)
	}

	_, c, err = parse(t, "rediss://h?timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	if ro := c.(*goredis.Client).Options(); ro.TLSConfig == nil || ro.Addr != "h:6379" {
		t.Errorf("rediss://h: addr %q, TLS %v; want h:6379 with TLS", ro.Addr, ro.TLSConfig != nil)
	}
}

func TestParseURLCluster(t *testing.T) {
	o, c, err := parse(t, "redis+cluster://:"+url.QueryEscape(secret)+"@h1:7000,h3,h2:7001?prefix=x&addr=h4:7003&max_redirects=5")
	if err != nil {
		t.Fatal(err)
	}
	cc, ok := c.(*goredis.ClusterClient)
	if !ok {
		t.Fatalf("client is a %T, want *redis.ClusterClient", c)
	}
	co := cc.Options()
	want := []string{"h1:7000", "h3:6379", "h2:7001", "h4:7003"}
	if !slices.Equal(co.Addrs, want) || co.Password != secret || co.MaxRedirects != 5 || !co.ContextTimeoutEnabled || o.Prefix != "x" {
		t.Errorf("cluster options: addrs %v (want %v), password ok %v, max_redirects %d, ctxTimeout %v, prefix %q",
			co.Addrs, want, co.Password == secret, co.MaxRedirects, co.ContextTimeoutEnabled, o.Prefix)
	}
	_, c, err = parse(t, "redis+cluster://h1:7000?tls=true")
	if err != nil {
		t.Fatal(err)
	}
	if co := c.(*goredis.ClusterClient).Options(); co.TLSConfig == nil {
		t.Errorf("tls=true: no TLS config")
	}
}

func TestParseURLSentinel(t *testing.T) {
	_, c, err := parse(t, "redis+sentinel://app:"+url.QueryEscape(secret)+"@s1,s2:26380/3?master=mymaster")
	if err != nil {
		t.Fatal(err)
	}
	cl, ok := c.(*goredis.Client)
	if !ok {
		t.Fatalf("client is a %T, want a failover *redis.Client", c)
	}
	// The user info authenticates to the master, not to the Sentinels.
	ro := cl.Options()
	if ro.DB != 3 || ro.Username != "app" || ro.Password != secret || !ro.ContextTimeoutEnabled {
		t.Errorf("failover options: db %d user %q password ok %v ctxTimeout %v", ro.DB, ro.Username, ro.Password == secret, ro.ContextTimeoutEnabled)
	}
}

func TestOpenURLInvalid(t *testing.T) {
	pw := url.QueryEscape(secret)
	for _, raw := range []string{
		"redis://:" + pw + "@h/notadb",
		"redis://:" + pw + "@h/1/2",
		"redis://:" + pw + "@h:99999",
		"redis://:" + pw + "@h?bogus=1",
		"redis://:" + pw + "@h?prefix=",
		"redis://:" + pw + "@h?timeout=soon",
		"redis://:" + pw + "@h?scan_count=0",
		"redis://:" + pw + "@h?scan_count=many",
		"redis://:" + pw + "@h1,h2:1",
		"redis://:" + pw + "@h#frag",
		"redis+cluster://:" + pw + "@h1:7000/2",
		"redis+cluster://:" + pw + "@h1:notaport",
		"redis+cluster://:" + pw + "@h1:7000,h2:0",
		"redis+cluster://:" + pw + "@h1?tls=maybe",
		"redis+cluster://:" + pw + "@h1?addr=h2:0",
		"redis+cluster://:" + pw + "@:7000",
		"redis+sentinel://:" + pw + "@s1/0",
		"redis+sentinel://:" + pw + "@s1/0?master=m&bogus=1",
		"redis+sentinel://:" + pw + "@s1/x?master=m",
		"redis://user:p%zzw@h:6379",
		"redis:opaque",
		"memcached://h",
		"::",
	} {
		s, err := OpenURL(t.Context(), raw)
		if err == nil {
			_ = s.Close()
		}
		if !errors.Is(err, ErrInvalidURL) {
			t.Errorf("OpenURL(%s) = %v, want an error matching ErrInvalidURL", raw, err)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, secret) || strings.Contains(msg, pw) || strings.Contains(msg, "zz") {
			t.Errorf("OpenURL error %q quotes the password", msg)
		}
	}
}

// OpenURL honours a done context before doing anything.
func TestOpenURLContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := OpenURL(ctx, "redis://h"); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenURL with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "h:1"})
	defer client.Close()
	for _, o := range []Options{
		{Client: client, Addrs: []string{"h:1"}},
		{Client: client, Password: "x"},
		{Client: client, PoolSize: 3},
		{Cluster: true, MasterName: "m"},
		{DB: -1},
		{DB: 1, Addrs: []string{"a:1", "b:2"}},
		{DB: 1, Cluster: true},
		{PoolSize: -1},
		{ScanCount: -1},
		{Addrs: []string{""}},
	} {
		if _, err := Open(&o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Open(%+v) = %v, want an error matching ErrInvalidOptions", o, err)
		}
	}
	for _, o := range []*Options{
		nil,
		{Client: client, Prefix: "p", Timeout: -1, ScanCount: 5},
		{Addrs: []string{"a:1", "b:2"}},
		{Addrs: []string{"s:26379"}, MasterName: "m", DB: 2},
	} {
		s, err := Open(o)
		if err != nil {
			t.Errorf("Open(%+v) = %v", o, err)
			continue
		}
		_ = s.Close()
	}
}

// Close leaves a client given in Options.Client open, and closes one the
// Store built.
func TestCloseOwnership(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "h:1"})
	defer client.Close()
	s, err := Open(&Options{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := client.Close(); err != nil {
		t.Errorf("the caller's client was closed by Store.Close: its own Close = %v", err)
	}
	s, err = Open(&Options{Addrs: []string{"h:1"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := s.client.Close(); !errors.Is(err, goredis.ErrClosed) {
		t.Errorf("after Store.Close, closing its own client again = %v, want redis.ErrClosed", err)
	}
}

// Every numeric setting, in a URL or in Options, is checked against the
// range this package accepts, with an error naming it; before the fix
// pool_size=1099511627776 (2^40) panicked inside go-redis.
func TestNumericSettingsBounded(t *testing.T) {
	for _, tc := range []struct{ url, field string }{
		{"redis://h?pool_size=1099511627776", "pool_size"},
		{"redis://h?pool_size=-1", "pool_size"},
		{"redis://h?min_idle_conns=99999999", "min_idle_conns"},
		{"redis://h?max_idle_conns=99999999", "max_idle_conns"},
		{"redis://h?max_active_conns=4294967296", "max_active_conns"},
		{"redis://h?max_concurrent_dials=99999999", "max_concurrent_dials"},
		{"redis://h?pipeline_pool_size=99999999", "pipeline_pool_size"},
		{"redis://h?pipeline_read_buffer_size=1099511627776", "pipeline_read_buffer_size"},
		{"redis://h?pipeline_write_buffer_size=-5", "pipeline_write_buffer_size"},
		{"redis://h?max_retries=1000000000", "max_retries"},
		{"redis://h?protocol=7", "protocol"},
		{"redis://h?db=4294967296", "db"},
		{"redis://h/4294967296", "database"},
		{"redis://h?dial_timeout=9223372036854775807", "dial_timeout"},
		{"redis://h?read_timeout=forever", "read_timeout"},
		{"redis://h?scan_count=1000000", "scan_count"},
		{"redis://h?max_value_size=0", "max_value_size"},
		{"redis://h?max_value_size=9223372036854775807", "max_value_size"},
		{"redis+cluster://h?max_redirects=1000000", "max_redirects"},
		{"redis+cluster://h?pool_size=1099511627776", "pool_size"},
		{"redis+cluster://h?dialer_retries=99999999", "dialer_retries"},
		{"redis+cluster://h?failing_timeout_seconds=99999999999", "failing_timeout_seconds"},
		{"redis+sentinel://s?master=m&pool_size=1099511627776", "pool_size"},
	} {
		_, _, err := parse(t, tc.url)
		if !errors.Is(err, ErrInvalidURL) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("parseURL(%s) = %v, want an ErrInvalidURL naming %s", tc.url, err, tc.field)
		}
	}
	for _, raw := range []string{
		"redis://h?pool_size=65536&min_idle_conns=0&max_retries=-1&protocol=2&dial_timeout=5&read_timeout=-1&max_value_size=4294967296",
		"redis+cluster://h?max_redirects=8&pool_size=10",
	} {
		if _, _, err := parse(t, raw); err != nil {
			t.Errorf("parseURL(%s) = %v", raw, err)
		}
	}
	for _, tc := range []struct {
		o     Options
		field string
	}{
		{Options{PoolSize: 1 << 40}, "PoolSize"},
		{Options{ScanCount: 1 << 20}, "ScanCount"},
		{Options{DB: 1 << 40}, "DB"},
		{Options{MaxValueSize: -1}, "MaxValueSize"},
		{Options{MaxValueSize: 1 << 40}, "MaxValueSize"},
	} {
		if _, err := Open(&tc.o); !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Open(%+v) = %v, want an ErrInvalidOptions naming %s", tc.o, err, tc.field)
		}
	}
}
