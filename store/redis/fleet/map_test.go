package fleet

import (
	"errors"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// pair opens two Maps of one bucket on srv: two instances of a service.
func pair[V any](t *testing.T, srv *redistest.Server, o Options[string, V]) (a, b *Map[string, V]) {
	t.Helper()
	o.Redis = standalone(srv)
	return open(t, o), open(t, o)
}

// invalidated runs write and waits until m applied at least one more
// invalidation than before.
func invalidated[V any](t *testing.T, m *Map[string, V], write func()) {
	t.Helper()
	before := m.Stats().Invalidations
	write()
	waitFor(t, "an invalidation", func() bool { return m.Stats().Invalidations > before })
}

func wantGet[V comparable](t *testing.T, m *Map[string, V], key string, want V, wantOK bool) {
	t.Helper()
	v, ok, err := m.Get(testCtx(t), key)
	if err != nil || ok != wantOK || v != want {
		t.Fatalf("Get(%q) = %v, %v, %v; want %v, %v", key, v, ok, err, want, wantOK)
	}
}

func TestWriteOnAInvalidatesB(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, string]{})
	wantGet(t, b, "k", "", false) // caches the absence
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v1"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v1", true)
	hits := b.Stats().NearHits
	wantGet(t, b, "k", "v1", true)
	if got := b.Stats().NearHits; got != hits+1 {
		t.Fatalf("second Get: NearHits %d -> %d, want a near hit", hits, got)
	}
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v2"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v2", true)
}

func TestDeleteOnAMakesBMiss(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	var deleted []string
	a, b := pair(t, srv, Options[string, string]{})
	a.opts.OnDelete = func(k string) { deleted = append(deleted, k) }
	if err := a.Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	wantGet(t, b, "k", "v", true)
	invalidated(t, b, func() {
		if ok, err := a.Delete(ctx, "k"); err != nil || !ok {
			t.Fatalf("Delete = %v, %v", ok, err)
		}
	})
	wantGet(t, b, "k", "", false)
	if ok, err := a.Delete(ctx, "k"); err != nil || ok {
		t.Fatalf("second Delete = %v, %v; want false", ok, err)
	}
	if len(deleted) != 1 {
		t.Fatalf("OnDelete ran %d times, want once (for the Delete that removed)", len(deleted))
	}
}

func TestReadYourWrites(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, _ := pair(t, srv, Options[string, int]{})
	for i := range 200 {
		if err := a.Set(ctx, "k", i); err != nil {
			t.Fatal(err)
		}
		wantGet(t, a, "k", i, true)
		wantGet(t, a, "k", i, true)
	}
}

func TestTouchAndTTL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, _ := pair(t, srv, Options[string, string]{})
	if ok, err := a.Touch(ctx, "k", livedict.NoExpiry); err != nil || ok {
		t.Fatalf("Touch of a missing key = %v, %v", ok, err)
	}
	if err := a.SetWithTTL(ctx, "k", "v", livedict.MaxTTL); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Touch(ctx, "k", livedict.NoExpiry); err != nil || !ok {
		t.Fatalf("Touch = %v, %v", ok, err)
	}
	if err := a.SetWithTTL(ctx, "k", "v", -3); !errors.Is(err, livedict.ErrInvalidTTL) {
		t.Fatalf("SetWithTTL(-3) = %v, want ErrInvalidTTL", err)
	}
	rawTTL, err := redistest.Command(srv.Addr, "PTTL", a.prefix+mustName(t, a, "k"))
	if err != nil || rawTTL != "-1" {
		t.Fatalf("PTTL after Touch(NoExpiry) = %q, %v; want -1", rawTTL, err)
	}
	if ok, err := a.Touch(ctx, "k", livedict.MaxTTL); err != nil || !ok {
		t.Fatalf("Touch = %v, %v", ok, err)
	}
	rawTTL, err = redistest.Command(srv.Addr, "PTTL", a.prefix+mustName(t, a, "k"))
	if err != nil || rawTTL == "-1" || rawTTL == "-2" {
		t.Fatalf("PTTL after Touch(MaxTTL) = %q, %v; want a deadline", rawTTL, err)
	}
}

func mustName[K comparable, V any](t *testing.T, m *Map[K, V], key K) string {
	t.Helper()
	n, err := m.storageName(key)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestClear(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, string]{})
	// A bucket whose prefix extends this one's keeps its keys.
	other := open(t, Options[string, string]{Redis: standalone(srv), Name: "test:x"})
	if err := other.Set(ctx, "k0", "kept"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k0", "k1", "k2"} {
		if err := a.Set(ctx, k, "v"); err != nil {
			t.Fatal(err)
		}
		wantGet(t, b, k, "v", true)
	}
	invalidated(t, b, func() {
		if err := a.Clear(ctx); err != nil {
			t.Fatal(err)
		}
	})
	for _, k := range []string{"k1", "k2"} {
		waitFor(t, "the Clear's invalidations", func() bool {
			_, ok, err := b.Get(ctx, k)
			return err == nil && !ok
		})
		wantGet(t, a, k, "", false)
	}
	wantGet(t, other, "k0", "kept", true)
}

func TestClosed(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, _ := pair(t, srv, Options[string, string]{})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, _, err := a.Get(ctx, "k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close = %v", err)
	}
	if err := a.Set(ctx, "k", "v"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Set after Close = %v", err)
	}
	if _, err := Add(ctx, open(t, Options[string, int]{Redis: standalone(srv)}), "n", 1, 0); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidOptions(t *testing.T) {
	ctx := testCtx(t)
	for _, o := range []Options[string, string]{
		{},
		{Name: "a*b"},
		{Name: "a", URL: "redis://x", Redis: standalone(&redistest.Server{Addr: "x:1"})},
		{Name: "a", TTL: -1},
		{Name: "a", Lease: -1},
		{Name: "a", URL: "bogus://"},
	} {
		if _, err := Open(ctx, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Open(%+v) = %v, want ErrInvalidOptions", o.Name, err)
		}
	}
}
