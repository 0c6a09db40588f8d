package sqlite

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		path string
		opts Options
	}{
		{"sqlite:///var/lib/live.db", "/var/lib/live.db", Options{}},
		{"sqlite://localhost/var/lib/live.db", "/var/lib/live.db", Options{}},
		{"sqlite:live.db", "live.db", Options{}},
		{"sqlite:data/live%20db.db", "data/live db.db", Options{}},
		{"sqlite:///a%3Fb.db", "/a?b.db", Options{}},
		{
			"sqlite:///x.db?synchronous=full&busy_timeout=2s&readers=8&sweep=30s", "/x.db",
			Options{Synchronous: SynchronousFull, BusyTimeout: 2 * time.Second, Readers: 8, SweepInterval: 30 * time.Second},
		},
		{"sqlite:///x.db?synchronous=NORMAL&busy_timeout=250", "/x.db", Options{BusyTimeout: 250 * time.Millisecond}},
		{"sqlite:///x.db?sweep=0", "/x.db", Options{SweepInterval: -1}},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		path, opts, err := parseURL(u)
		if err != nil || path != tc.path || opts.Synchronous != tc.opts.Synchronous || opts.BusyTimeout != tc.opts.BusyTimeout ||
			opts.Readers != tc.opts.Readers || opts.SweepInterval != tc.opts.SweepInterval {
			t.Errorf("parseURL(%q) = %q, %+v, %v; want %q, %+v", tc.raw, path, opts, err, tc.path, tc.opts)
		}
	}
}

func TestParseURLInvalid(t *testing.T) {
	for _, tc := range []struct {
		raw    string
		option bool // the error also matches ErrInvalidOption
	}{
		{"file:///x.db", false},
		{"sqlite://", false},
		{"sqlite:", false},
		{"sqlite://live.db", false},
		{"sqlite://host/x.db", false},
		{"sqlite://user:hunter2@/x.db", false},
		{"sqlite:///x.db#frag", false},
		{"sqlite:///x.db?mode=ro", false},
		{"sqlite:///x.db?readers=1&readers=2", false},
		{"sqlite:///x.db?a=%zz", false},
		{"sqlite:%zz", false},
		{"sqlite:///x.db?synchronous=off", true},
		{"sqlite:///x.db?busy_timeout=-1s", true},
		{"sqlite:///x.db?busy_timeout=0", true},
		{"sqlite:///x.db?busy_timeout=soon", true},
		{"sqlite:///x.db?busy_timeout=9999999999999999", true},
		{"sqlite:///x.db?busy_timeout=1000h", true},
		{"sqlite:///x.db?readers=0", true},
		{"sqlite:///x.db?readers=257", true},
		{"sqlite:///x.db?readers=four", true},
		{"sqlite:///x.db?sweep=-1m", true},
		{"sqlite:///x.db?sweep=often", true},
	} {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatalf("url.Parse(%q) = %v", tc.raw, err)
		}
		_, _, err = parseURL(u)
		if !errors.Is(err, ErrInvalidURL) || errors.Is(err, ErrInvalidOption) != tc.option {
			t.Errorf("parseURL(%q) = %v, want an error matching ErrInvalidURL (and ErrInvalidOption: %v)", tc.raw, err, tc.option)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("parseURL(%q) error quotes the password: %v", tc.raw, err)
		}
	}
}

func TestOpenURL(t *testing.T) {
	dir := t.TempDir()
	raw := "sqlite://" + filepath.ToSlash(dir) + "/live.db?synchronous=full&readers=2&sweep=0"
	ctx := t.Context()
	s, err := store.Open(ctx, raw)
	if err != nil {
		t.Fatalf("store.Open(%q) = %v", raw, err)
	}
	sq, ok := s.(*Store)
	if !ok {
		t.Fatalf("store.Open returned %T, want *sqlite.Store", s)
	}
	if sq.sweepStop != nil {
		t.Errorf("sweep=0 started a sweeper")
	}
	var sync int
	if err := sq.writer.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous=full gave PRAGMA synchronous %d, %v; want 2", sync, err)
	}
	if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(filepath.Join(dir, "live.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if r, err := s2.Get(ctx, "b", []byte("k")); err != nil || string(r.Value) != "v" {
		t.Errorf("Get through Open of the file OpenURL wrote = %q, %v", r.Value, err)
	}

	if s, err := store.Open(ctx, "sqlite:///x.db?readers=0"); err == nil || s != nil {
		t.Errorf("store.Open of a bad URL = %v, %v; want a nil Stage and an error", s, err)
	}
	for _, bad := range []string{"sqlite://u:hunter2@h/x.db", "sqlite://u:hunter2@[::1/x.db", "sqlite:///x.db?readers=0"} {
		_, err := OpenURL(ctx, bad)
		if !errors.Is(err, ErrInvalidURL) {
			t.Errorf("OpenURL(%q) = %v, want an error matching ErrInvalidURL", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("OpenURL(%q) error quotes the password: %v", bad, err)
		}
	}
}

// FuzzParseURL checks that no URL makes parseURL panic, that its errors
// match ErrInvalidURL, and that what it accepts Open accepts.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"sqlite:///var/lib/live.db?synchronous=full&busy_timeout=5s&readers=4&sweep=1m",
		"sqlite:live.db", "sqlite://host/x", "sqlite:///x?readers=0", "sqlite:///x?busy_timeout=250",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		path, opts, err := parseURL(u)
		if err != nil {
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("parseURL(%q) = %v, which does not match ErrInvalidURL", raw, err)
			}
			return
		}
		if path == "" {
			t.Fatalf("parseURL(%q) accepted an empty path", raw)
		}
		if _, err := opts.resolved(); err != nil {
			t.Fatalf("parseURL(%q) returned options Open refuses: %v", raw, err)
		}
	})
}
