package badger

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url     string
		dir     string
		noSync  bool
		gc      time.Duration
		wantErr string // substring of the error; "" for success
	}{
		{url: "badger:///var/lib/app", dir: "/var/lib/app"},
		{url: "badger:///var/lib/my%20app%3Fx", dir: "/var/lib/my app?x"},
		{url: "badger:data/cache", dir: "data/cache"},
		{url: "badger:./data", dir: "./data"},
		{url: "badger:///d?sync=true", dir: "/d"},
		{url: "badger:///d?sync=false", dir: "/d", noSync: true},
		{url: "badger:///d?sync=0&gc=10m", dir: "/d", noSync: true, gc: 10 * time.Minute},
		{url: "badger:///d?gc=0", dir: "/d", gc: -1},
		{url: "badger:///d?gc=1h30m", dir: "/d", gc: 90 * time.Minute},
		{url: "badger://host/d", wantErr: "host"},
		{url: "badger://user:hunter2@/d", wantErr: "user"},
		{url: "badger:///d#frag", wantErr: "fragment"},
		{url: "badger://", wantErr: "no directory"},
		{url: "badger:///d?sync=maybe", wantErr: "sync"},
		{url: "badger:///d?gc=-1m", wantErr: "gc"},
		{url: "badger:///d?gc=soon", wantErr: "gc"},
		{url: "badger:///d?gc=1m&gc=2m", wantErr: "2 times"},
		{url: "badger:///d?gc=9999999999999h", wantErr: "gc"},
		{url: "badger:///d?gc=9223372036854775807", wantErr: "gc"},
		{url: "badger:///d?sync_writes=true", wantErr: "unknown parameter"},
		{url: "badger:///d?a=%zz", wantErr: "query"},
		{url: "file:///d", wantErr: "scheme"},
	} {
		t.Run(c.url, func(t *testing.T) {
			u, err := url.Parse(c.url)
			if err != nil {
				t.Fatal(err)
			}
			dir, opts, err := parseURL(u)
			if c.wantErr != "" {
				if !errors.Is(err, ErrInvalidURL) || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("parseURL = %v, want an error matching ErrInvalidURL that mentions %q", err, c.wantErr)
				}
				if err != nil && strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q quotes the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseURL = %v", err)
			}
			if dir != c.dir || opts.NoSync != c.noSync || opts.ValueLogGCInterval != c.gc {
				t.Errorf("parseURL = (%q, NoSync %v, GC %v), want (%q, %v, %v)", dir, opts.NoSync, opts.ValueLogGCInterval, c.dir, c.noSync, c.gc)
			}
		})
	}
}
