package livedict_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// gatedLoader is a Loader that answers "<key>#<call number>" and, while
// its gate is shut, blocks every call until the gate opens. A fail key
// makes the calls after the first fail.
type gatedLoader struct {
	mu    sync.Mutex
	calls int
	gate  chan struct{} // nil: open
	fail  bool
}

var errSource = errors.New("source of truth is down")

func (g *gatedLoader) load(_ context.Context, _ string, k string) (string, time.Duration, error) {
	g.mu.Lock()
	g.calls++
	n, gate, fail := g.calls, g.gate, g.fail
	g.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail {
		return "", 0, errSource
	}
	return k + "#" + strconv.Itoa(n), livedict.DefaultTTL, nil
}

func (g *gatedLoader) shut() {
	g.mu.Lock()
	g.gate = make(chan struct{})
	g.mu.Unlock()
}

func (g *gatedLoader) open() {
	g.mu.Lock()
	close(g.gate)
	g.gate = nil
	g.mu.Unlock()
}

func (g *gatedLoader) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

func (g *gatedLoader) failing(f bool) {
	g.mu.Lock()
	g.fail = f
	g.mu.Unlock()
}

func mustLoad(t *testing.T, v interface {
	Load(context.Context, string) (string, error)
}, key, want string) {
	t.Helper()
	got, err := v.Load(context.Background(), key)
	if err != nil || got != want {
		t.Fatalf("Load(%q) = %q, %v; want %q", key, got, err, want)
	}
}

func TestRefreshAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gatedLoader{}
		s := mustNew(t, &livedict.Options[string, string]{
			DefaultTTL: 10 * time.Minute, RefreshAfter: 8 * time.Minute, Loader: g.load})
		defer s.Close()

		mustLoad(t, s, "k", "k#1")
		time.Sleep(7 * time.Minute) // younger than RefreshAfter: no reload
		mustLoad(t, s, "k", "k#1")
		synctest.Wait()
		if n := g.count(); n != 1 {
			t.Fatalf("a Load before RefreshAfter made %d Loader calls, want 1", n)
		}

		time.Sleep(2 * time.Minute) // 9 minutes old: due
		g.shut()
		// The reload blocks in the Loader, yet every Load answers at once
		// with the stale value, and no second reload starts.
		for range 5 {
			mustLoad(t, s, "k", "k#1")
		}
		synctest.Wait()
		if n := g.count(); n != 2 {
			t.Fatalf("Loads of a due entry made %d Loader calls in all, want 2 (one reload)", n)
		}
		g.open()
		synctest.Wait()
		if v, _ := s.Get("k"); v != "k#2" {
			t.Fatalf("after the reload Get = %q, want k#2", v)
		}
		if ttl, _ := s.TTL("k"); ttl != 10*time.Minute {
			t.Fatalf("the reloaded entry has TTL %v, want a fresh 10m", ttl)
		}
		if st := s.LoadStats(); st.Refreshes != 1 || st.RefreshErrors != 0 || st.Loads != 2 {
			t.Fatalf("LoadStats = %+v, want 2 Loads, 1 Refresh", st)
		}
		if st := s.Stats(); st.Refreshes != 1 {
			t.Fatalf("Stats.Refreshes = %d, want 1", st.Refreshes)
		}

		// Get never starts a reload.
		time.Sleep(9 * time.Minute)
		if v, ok := s.Get("k"); !ok || v != "k#2" {
			t.Fatalf("Get = %q, %v", v, ok)
		}
		synctest.Wait()
		if n := g.count(); n != 2 {
			t.Fatalf("Get of a due entry made a Loader call (%d in all)", n)
		}
	})
}

func TestRefreshPerBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gatedLoader{}
		s := mustNew(t, &livedict.Options[string, string]{
			DefaultTTL: 10 * time.Minute, RefreshAfter: 8 * time.Minute, Loader: g.load,
			Buckets: map[string]livedict.BucketOptions{
				"off":   {RefreshAfter: livedict.Disabled},
				"quick": {RefreshAfter: time.Minute},
				"long":  {DefaultTTL: time.Hour, RefreshAfter: 30 * time.Minute},
			}})
		defer s.Close()
		for _, b := range []string{"off", "quick", "long"} {
			mustLoad(t, s.Bucket(b), "k", "k#"+strconv.Itoa(g.count()+1))
		}
		time.Sleep(9 * time.Minute) // off: never; quick: due; long: 9m of 60m, not due
		for _, b := range []string{"off", "quick", "long"} {
			if _, err := s.Bucket(b).Load(context.Background(), "k"); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if n := s.LoadStats().Refreshes; n != 1 {
			t.Fatalf("%d reloads, want 1 (bucket quick only)", n)
		}
		if v, _ := s.Bucket("quick").Get("k"); v != "k#4" {
			t.Fatalf("quick holds %q, want the reloaded k#4", v)
		}
		if v, _ := s.Bucket("off").Get("k"); v != "k#1" {
			t.Fatalf("off holds %q, want the first load", v)
		}
	})
}

func TestRefreshFailureKeepsStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gatedLoader{}
		s := mustNew(t, &livedict.Options[string, string]{
			DefaultTTL: 10 * time.Minute, RefreshAfter: 5 * time.Minute, Loader: g.load})
		defer s.Close()
		var events []livedict.LoadEvent
		defer s.AddLoadObserver(func(ev livedict.LoadEvent) { events = append(events, ev) })()

		mustLoad(t, s, "k", "k#1")
		time.Sleep(6 * time.Minute)
		g.failing(true)
		mustLoad(t, s, "k", "k#1")
		synctest.Wait()
		if v, ok := s.Get("k"); !ok || v != "k#1" {
			t.Fatalf("after a failed reload Get = %q, %v; want the stale k#1", v, ok)
		}
		if ttl, _ := s.TTL("k"); ttl != 4*time.Minute {
			t.Fatalf("after a failed reload TTL = %v, want the old deadline (4m left)", ttl)
		}
		if st := s.LoadStats(); st.Refreshes != 1 || st.RefreshErrors != 1 {
			t.Fatalf("LoadStats = %+v, want 1 refresh, 1 refresh error", st)
		}
		if st := s.Stats(); st.RefreshErrors != 1 {
			t.Fatalf("Stats.RefreshErrors = %d, want 1", st.RefreshErrors)
		}
		if len(events) != 2 || !events[1].Refresh || !errors.Is(events[1].Err, errSource) || events[0].Refresh {
			t.Fatalf("observed %+v, want a load then a failed refresh", events)
		}

		// The stale entry lives to its deadline, then Load loads afresh.
		time.Sleep(4 * time.Minute)
		if _, ok := s.Get("k"); ok {
			t.Fatal("the stale entry outlived its deadline")
		}
		g.failing(false)
		mustLoad(t, s, "k", "k#3")
	})
}

func TestRefreshLosesToWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gatedLoader{}
		s := mustNew(t, &livedict.Options[string, string]{
			DefaultTTL: 10 * time.Minute, RefreshAfter: 5 * time.Minute, Loader: g.load})
		defer s.Close()
		for _, k := range []string{"set", "deleted"} {
			mustLoad(t, s, k, k+"#"+strconv.Itoa(g.count()+1))
		}
		time.Sleep(6 * time.Minute)
		g.shut()
		mustLoad(t, s, "set", "set#1")
		mustLoad(t, s, "deleted", "deleted#2")
		synctest.Wait() // both reloads wait in the Loader
		if err := s.Set("set", "mine", livedict.DefaultTTL); err != nil {
			t.Fatal(err)
		}
		s.Delete("deleted")
		g.open()
		synctest.Wait()
		if v, _ := s.Get("set"); v != "mine" {
			t.Fatalf("a reload replaced a later Set: Get = %q", v)
		}
		if v, ok := s.Get("deleted"); ok {
			t.Fatalf("a reload brought back a deleted key: %q", v)
		}
	})
}

func TestCloseWaitsForReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gatedLoader{}
		s := mustNew(t, &livedict.Options[string, string]{
			DefaultTTL: 10 * time.Minute, RefreshAfter: 5 * time.Minute, Loader: g.load})
		mustLoad(t, s, "k", "k#1")
		time.Sleep(6 * time.Minute)
		g.shut()
		mustLoad(t, s, "k", "k#1")
		closed := make(chan error)
		go func() { closed <- s.Close() }()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned while a reload was running")
		default:
		}
		g.open()
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		// After Close nothing loads.
		if _, err := s.Load(context.Background(), "other"); !errors.Is(err, livedict.ErrClosed) {
			t.Fatalf("Load after Close = %v, want ErrClosed", err)
		}
		if n := g.count(); n != 2 {
			t.Fatalf("%d Loader calls, want 2", n)
		}
	})
}

// TestRefreshGetAllocatesNothing: RefreshAfter leaves Get alone.
func TestRefreshGetAllocatesNothing(t *testing.T) {
	g := &gatedLoader{}
	s := mustNew(t, &livedict.Options[string, string]{
		DefaultTTL: time.Hour, RefreshAfter: time.Minute, Loader: g.load})
	defer s.Close()
	mustLoad(t, s, "k", "k#1")
	if a := testing.AllocsPerRun(100, func() { s.Get("k") }); a != 0 {
		t.Fatalf("Get allocates %v times with RefreshAfter, want 0", a)
	}
}

func TestRefreshOptionErrors(t *testing.T) {
	load := (&gatedLoader{}).load
	cases := []struct {
		name  string
		opts  livedict.Options[string, string]
		field string
	}{
		{"no loader", livedict.Options[string, string]{RefreshAfter: time.Minute}, "Options.RefreshAfter"},
		{"not shorter than the TTL", livedict.Options[string, string]{DefaultTTL: time.Minute, RefreshAfter: time.Minute, Loader: load}, "Options.RefreshAfter"},
		{"negative", livedict.Options[string, string]{RefreshAfter: -time.Second, Loader: load}, "Options.RefreshAfter"},
		{"negative NegativeTTL", livedict.Options[string, string]{NegativeTTL: -time.Second}, "Options.NegativeTTL"},
		{"bucket without loader", livedict.Options[string, string]{
			Buckets: map[string]livedict.BucketOptions{"b": {RefreshAfter: time.Minute}}}, `Options.Buckets["b"].RefreshAfter`},
		{"bucket past its TTL", livedict.Options[string, string]{Loader: load,
			Buckets: map[string]livedict.BucketOptions{"b": {DefaultTTL: time.Minute, RefreshAfter: time.Hour}}}, `Options.Buckets["b"].RefreshAfter`},
		{"bucket past the store TTL", livedict.Options[string, string]{Loader: load, DefaultTTL: time.Minute,
			Buckets: map[string]livedict.BucketOptions{"b": {RefreshAfter: time.Hour}}}, `Options.Buckets["b"].RefreshAfter`},
		{"bucket NegativeTTL", livedict.Options[string, string]{
			Buckets: map[string]livedict.BucketOptions{"b": {NegativeTTL: -2}}}, `Options.Buckets["b"].NegativeTTL`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := livedict.New(&tc.opts)
			var oe *livedict.OptionError
			if !errors.Is(err, livedict.ErrInvalidOption) || !errors.As(err, &oe) || oe.Field != tc.field {
				t.Fatalf("New = %v, want an OptionError for %s", err, tc.field)
			}
		})
	}
	s := mustNew(t, &livedict.Options[string, string]{})
	defer s.Close()
	if _, err := s.DefineBucket("b", livedict.BucketOptions{RefreshAfter: time.Minute}); !errors.Is(err, livedict.ErrInvalidOption) {
		t.Fatalf("DefineBucket with RefreshAfter and no loader = %v", err)
	}
}

// TestRefreshKeepsHooksSkipsGuardedPersists: a reload keeps per-entry
// hooks, a Touch restarts the age, a guarded entry is never reloaded, and
// in a persisted bucket the reloaded value reaches the backend.
func TestRefreshKeepsHooksSkipsGuardedPersists(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gatedLoader{}
		mem := store.NewMemory()
		s := mustNew(t, &livedict.Options[string, string]{
			DefaultTTL: time.Hour, RefreshAfter: 50 * time.Minute, Loader: g.load,
			Persist: &livedict.Persist[string, string]{Backend: mem, Plaintext: true}})
		defer s.Close()
		accessed := 0
		if err := s.SetWith("hooked", "old", livedict.SetOptions[string, string]{TTL: time.Minute,
			OnAccess: func(livedict.Event[string, string]) { accessed++ }}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetWith("guarded", "secret", livedict.SetOptions[string, string]{TTL: time.Minute, Token: "t"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("touched", "old", time.Minute); err != nil {
			t.Fatal(err)
		}
		s.Touch("touched", time.Hour) // a full TTL left: young again
		ctx := context.Background()
		mustLoad(t, s, "hooked", "old")
		mustLoad(t, s, "touched", "old")
		if _, err := s.Load(ctx, "guarded"); !errors.Is(err, livedict.ErrNotFound) {
			t.Fatalf("Load of a guarded entry = %v", err)
		}
		synctest.Wait()
		if n := g.count(); n != 1 {
			t.Fatalf("%d Loader calls, want 1 (hooked only)", n)
		}
		before := accessed
		if v, _ := s.Get("hooked"); v != "hooked#1" || accessed != before+1 {
			t.Fatalf("reloaded Get = %q, OnAccess ran %d times; want hooked#1 and the hook kept", v, accessed-before)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := mem.Get(ctx, "", []byte("hooked"))
		if err != nil || !strings.Contains(string(r.Value), "hooked#1") {
			t.Fatalf("backend holds %q, %v; want the reloaded value", r.Value, err)
		}
	})
}
