package badger_test

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

// TestOpenByURL opens a store through store.Open, which this package's init
// registered, and again through OpenURL over the same directory.
func TestOpenByURL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dir with space")
	u := (&url.URL{Scheme: "badger", Path: dir, RawQuery: "sync=false&gc=0"}).String()
	s, err := store.Open(t.Context(), u)
	if err != nil {
		t.Fatalf("store.Open(%q) = %v", u, err)
	}
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bs, err := badger.OpenURL(t.Context(), "badger://"+dir)
	if err != nil {
		t.Fatalf("OpenURL = %v", err)
	}
	defer bs.Close()
	wantValue(t, bs, "b", "k", "v")
}

func TestOpenURLErrors(t *testing.T) {
	ctx := t.Context()
	for _, raw := range []string{
		"badger://admin:hunter2@host/d",
		"badger://admin:hunter2@[::1/d", // does not parse
		"badger:///d?cache=big",
	} {
		_, err := badger.OpenURL(ctx, raw)
		if !errors.Is(err, badger.ErrInvalidURL) {
			t.Errorf("OpenURL(%q) = %v, want an error matching ErrInvalidURL", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("OpenURL(%q) error %q quotes the password", raw, err)
		}
		if _, err := store.Open(ctx, raw); err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("store.Open(%q) error %q quotes the password", raw, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := badger.OpenURL(cancelled, "badger://"+t.TempDir()); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenURL with a cancelled context = %v, want context.Canceled", err)
	}
}
