package postgres

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want Options
	}{
		{"postgres://u@h/db", Options{Table: DefaultTable, SweepInterval: DefaultSweepInterval, SweepBatch: DefaultSweepBatch}},
		{"postgresql://u@h:5433/db?schema=cache&table=sessions&max_conns=16&sweep=30s&sweep_batch=50&sslmode=disable",
			Options{Schema: "cache", Table: "sessions", MaxConns: 16, SweepInterval: 30 * time.Second, SweepBatch: 50}},
		{"postgres://h/db?sweep=0", Options{Table: DefaultTable, SweepInterval: -1, SweepBatch: DefaultSweepBatch}},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		cfg, got, err := parseURL(u)
		if err != nil {
			t.Errorf("parseURL(%q) = %v", tc.url, err)
			continue
		}
		if got.Schema != tc.want.Schema || got.Table != tc.want.Table || got.MaxConns != tc.want.MaxConns ||
			got.SweepInterval != tc.want.SweepInterval || got.SweepBatch != tc.want.SweepBatch {
			t.Errorf("parseURL(%q) options = %+v, want %+v", tc.url, got, tc.want)
		}
		// LiveDict's parameters never reach the server as settings.
		for _, p := range urlParams {
			if _, ok := cfg.ConnConfig.RuntimeParams[p]; ok {
				t.Errorf("parseURL(%q) passed %q on to pgx", tc.url, p)
			}
		}
	}
}

func TestParseURLPassesPgxParameters(t *testing.T) {
	u, _ := url.Parse("postgres://u@h:5433/db?application_name=app&search_path=a&pool_max_conns=7&connect_timeout=3&table=t")
	cfg, _, err := parseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxConns != 7 || cfg.ConnConfig.Port != 5433 || cfg.ConnConfig.Database != "db" ||
		cfg.ConnConfig.RuntimeParams["application_name"] != "app" || cfg.ConnConfig.RuntimeParams["search_path"] != "a" ||
		cfg.ConnConfig.ConnectTimeout != 3*time.Second {
		t.Errorf("pgx config = MaxConns %d, port %d, db %q, params %v, timeout %v", cfg.MaxConns, cfg.ConnConfig.Port,
			cfg.ConnConfig.Database, cfg.ConnConfig.RuntimeParams, cfg.ConnConfig.ConnectTimeout)
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct {
		url    string
		option bool   // the error matches ErrInvalidOption too
		names  string // the error names this parameter or field
	}{
		{"mysql://h/db", false, "scheme"},
		{"postgres://h/db#frag", false, "fragment"},
		{"postgres:opaque", false, "postgres://"},
		{"postgres://h/db?table=a&table=b", false, "table"},
		{"postgres://h/db?max_conns=0", true, "max_conns"},
		{"postgres://h/db?max_conns=1001", true, "max_conns"},
		{"postgres://h/db?max_conns=x", true, "Options.MaxConns"},
		{"postgres://h/db?max_conns=4&pool_max_conns=4", false, "pool_max_conns"},
		{"postgres://h/db?sweep=-1s", true, "sweep"},
		{"postgres://h/db?sweep=soon", true, "Options.SweepInterval"},
		{"postgres://h/db?sweep_batch=0", true, "sweep_batch"},
		{"postgres://h/db?sweep_batch=100001", true, "Options.SweepBatch"},
		{"postgres://h/db?table=Bad", true, "Table"},
		{"postgres://h/db?table=a%3Bdrop", true, "Table"},
		{"postgres://h/db?table=" + strings.Repeat("t", MaxTableLen+1), true, "Table"},
		{"postgres://h/db?schema=pg_catalog", true, "Schema"},
		{"postgres://h/db?schema=1x", true, "Schema"},
		{"postgres://h/db?port=notaport", false, "port"},
		{"postgres://h/db?%zz", false, "query"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatalf("url.Parse(%q) = %v", tc.url, err)
		}
		_, _, err = parseURL(u)
		switch {
		case !errors.Is(err, ErrInvalidURL):
			t.Errorf("parseURL(%q) = %v, want an error matching ErrInvalidURL", tc.url, err)
		case tc.option != errors.Is(err, ErrInvalidOption):
			t.Errorf("parseURL(%q) = %v: matches ErrInvalidOption %v, want %v", tc.url, err, !tc.option, tc.option)
		case !strings.Contains(err.Error(), tc.names):
			t.Errorf("parseURL(%q) = %v, want it to name %q", tc.url, err, tc.names)
		case !strings.HasPrefix(err.Error(), "postgres: "):
			t.Errorf("parseURL(%q) = %v, want it to start with the package name", tc.url, err)
		}
	}
}

func TestOpenURLNeverQuotesThePassword(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{
		"postgres://u:hunter2@h:notaport/db",
		"postgres://u:hunter2@h/db?max_conns=0",
		"postgres://u:hunter2@[::1/db",
		"postgres://h/db?password=hunter2&port=x",
		"postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=1",
	} {
		s, err := OpenURL(ctx, bad)
		if err == nil {
			_ = s.Close()
			t.Errorf("OpenURL(%q) succeeded", bad)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("OpenURL(%q) error quotes the password: %v", bad, err)
		}
	}
	if s, err := store.Open(ctx, "postgres://u:hunter2@h/db?max_conns=0"); err == nil || s != nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("store.Open of a bad URL = %v, %v; want a nil Stage and an error without the password", s, err)
	}
}

// TestStoreOpen opens the test server through store.Open under both
// schemes.
func TestStoreOpen(t *testing.T) {
	schema := newSchema(t)
	for _, scheme := range []string{"postgres", "postgresql"} {
		u, err := url.Parse(dsnWith(t, url.Values{"schema": {schema}, "table": {"via_url"}, "max_conns": {"2"}, "sweep": {"0"}}))
		if err != nil {
			t.Fatal(err)
		}
		u.Scheme = scheme
		st, err := store.Open(t.Context(), u.String())
		if err != nil {
			t.Fatalf("store.Open(%s://...) = %v", scheme, err)
		}
		s := st.(*Store)
		if s.pool.Config().MaxConns != 2 || s.NativeTTL() || s.names.table != `"`+schema+`"."via_url"` {
			t.Errorf("%s: MaxConns %d, NativeTTL %v, table %s", scheme, s.pool.Config().MaxConns, s.NativeTTL(), s.names.table)
		}
		if err := s.Put(t.Context(), store.Record{Bucket: scheme, Key: []byte("k"), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// passwordMarker stands for a URL's password in FuzzParseURL.
const passwordMarker = "pw-marker-7f3a"

// FuzzParseURL checks that no URL makes parseURL panic, that its errors
// match ErrInvalidURL and never quote the password, and that the options
// it accepts Open accepts.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"postgres://u:secret@h:5432/db?sslmode=disable&schema=s&table=t&max_conns=8&sweep=1m&sweep_batch=10",
		"postgresql://h/db", "postgres://h/db?max_conns=0", "postgres://u:pw@h:x/db", "postgres:///db?host=/tmp",
		"postgres://h/db?table=a&table=b", "postgres://h/db?password=pw&port=0x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		cfg, o, err := parseURL(u)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("parseURL(%q) = %v, which does not match ErrInvalidURL", raw, err)
			}
			// The password's own bytes must never reach the error. An
			// option value may hold the same characters ("0000" in
			// sweep=00000000), so parse again with a marker for the
			// password that appears nowhere else in the URL.
			if _, ok := u.User.Password(); ok && !strings.Contains(raw, passwordMarker) {
				v := *u
				v.User = url.UserPassword(u.User.Username(), passwordMarker)
				if _, _, err := parseURL(&v); err != nil && strings.Contains(err.Error(), passwordMarker) {
					t.Fatalf("parseURL(%q) = %v, which quotes the password", v.String(), err)
				}
			}
			return
		}
		if cfg == nil {
			t.Fatalf("parseURL(%q) accepted it without a pool configuration", raw)
		}
		if _, err := o.resolved(); err != nil {
			t.Fatalf("parseURL(%q) returned options Open refuses: %v", raw, err)
		}
	})
}

// TestServerSettingsInURL: a URL parameter that is neither LiveDict's nor
// libpq's reaches the server as a setting of each connection, as the
// package documentation says of synchronous_commit.
func TestServerSettingsInURL(t *testing.T) {
	s, err := OpenURL(t.Context(), dsnWith(t, url.Values{"synchronous_commit": {"off"}, "schema": {newSchema(t)}}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v string
	if err := s.pool.QueryRow(t.Context(), `SHOW synchronous_commit`).Scan(&v); err != nil || v != "off" {
		t.Errorf("synchronous_commit on the Store's connection = %q, %v; want off", v, err)
	}
}

// TestApplicationName: the Store's connections say "livedict" in
// pg_stat_activity unless the connection string names another.
func TestApplicationName(t *testing.T) {
	schema := newSchema(t)
	for dsn, want := range map[string]string{
		testDSN(): "livedict",
		dsnWith(t, url.Values{"application_name": {"billing"}}): "billing",
	} {
		s := mustOpen(t, dsn, &Options{Schema: schema})
		var got string
		if err := s.pool.QueryRow(t.Context(), `SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()`).Scan(&got); err != nil || got != want {
			t.Errorf("application_name = %q, %v; want %q", got, err, want)
		}
	}
}
