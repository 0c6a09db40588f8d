package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/livedict/livedict/store"
)

func TestOpenMem(t *testing.T) {
	s, err := store.Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*store.Memory); !ok {
		t.Fatalf("mem:// opened %T, want *store.Memory", s)
	}
}

func TestOpenUnknownSchemeNamesModule(t *testing.T) {
	for url, mod := range map[string]string{
		"sqlite:///tmp/x.db":            "store/sqlite",
		"postgres://127.0.0.1/test":     "store/postgres",
		"postgresql://127.0.0.1/test":   "store/postgres",
		"redis+cluster://127.0.0.1:1/0": "store/redis",
	} {
		_, err := store.Open(context.Background(), url)
		if !errors.Is(err, store.ErrUnknownScheme) {
			t.Fatalf("%s: err = %v, want ErrUnknownScheme", url, err)
		}
		if !strings.Contains(err.Error(), "github.com/livedict/livedict/"+mod) {
			t.Fatalf("%s: error %q does not name the module to import", url, err)
		}
	}
	_, err := store.Open(context.Background(), "nosuch://x")
	if !errors.Is(err, store.ErrUnknownScheme) {
		t.Fatalf("err = %v, want ErrUnknownScheme", err)
	}
	_, err = store.Open(context.Background(), "/just/a/path")
	if !errors.Is(err, store.ErrUnknownScheme) {
		t.Fatalf("err = %v, want ErrUnknownScheme", err)
	}
}

func TestOpenNeverQuotesPassword(t *testing.T) {
	for _, raw := range []string{"nosuch://user:hunter2@host/x", "redis://user:hunter2@host:99999999/0\x7f"} {
		_, err := store.Open(context.Background(), raw)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", raw)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error %q quotes the password", err)
		}
	}
}

// registrations numbers the schemes TestRegisterPassesURL registers: the
// registry is global, and -count=N runs the test N times in one process.
var registrations atomic.Int32

func TestRegisterPassesURL(t *testing.T) {
	var got *url.URL
	scheme := fmt.Sprintf("test-register-%d", registrations.Add(1))
	store.Register(scheme, func(_ context.Context, u *url.URL) (store.Stage, error) {
		got = u
		return store.NewMemory(), nil
	})
	s, err := store.Open(context.Background(), scheme+":///a/b?x=1")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got == nil || got.Path != "/a/b" || got.Query().Get("x") != "1" {
		t.Fatalf("opener got %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("second Register of a scheme did not panic")
		}
	}()
	store.Register(scheme, func(context.Context, *url.URL) (store.Stage, error) { return nil, nil })
}
