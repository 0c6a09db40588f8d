package livedict_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// bulkSource answers BulkLoader calls for keys starting with "ok" and
// records what each call asked for; while gate is non-nil calls wait on it.
type bulkSource struct {
	mu    sync.Mutex
	asked [][]string
	gate  chan struct{}
	err   error
	panic bool
}

func (b *bulkSource) load(_ context.Context, _ string, keys []string) (map[string]string, time.Duration, error) {
	b.mu.Lock()
	b.asked = append(b.asked, slices.Sorted(slices.Values(keys)))
	gate, err, p := b.gate, b.err, b.panic
	b.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if p {
		panic("bulk loader bug")
	}
	if err != nil {
		return nil, 0, err
	}
	out := map[string]string{}
	for _, k := range keys {
		if strings.HasPrefix(k, "ok") {
			out[k] = "bulk:" + k
		}
	}
	return out, livedict.DefaultTTL, nil
}

func (b *bulkSource) calls() [][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.asked)
}

func TestLoadManyBulk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &bulkSource{}
		m := &missingLoader{}
		s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load, Loader: m.load, NegativeTTL: time.Minute})
		defer s.Close()
		if err := s.Set("ok-hit", "memory", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		if err := s.SetWith("ok-guarded", "secret", livedict.SetOptions[string, string]{Token: "t"}); err != nil {
			t.Fatal(err)
		}
		keys := []string{"ok-hit", "ok-a", "ok-b", "ok-a", "missing", "ok-guarded"}
		got, err := s.LoadMany(context.Background(), keys)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"ok-hit": "memory", "ok-a": "bulk:ok-a", "ok-b": "bulk:ok-b"}
		if !maps.Equal(got, want) {
			t.Fatalf("LoadMany = %v, want %v", got, want)
		}
		if c := src.calls(); len(c) != 1 || !slices.Equal(c[0], []string{"missing", "ok-a", "ok-b"}) {
			t.Fatalf("BulkLoader calls %q, want one with the three misses", c)
		}
		if m.calls.Load() != 0 {
			t.Fatal("LoadMany called Loader although BulkLoader is set")
		}
		// The loaded values are stored; the missing key is remembered.
		if v, ok := s.Get("ok-a"); !ok || v != "bulk:ok-a" {
			t.Fatalf("Get(ok-a) = %q, %v", v, ok)
		}
		if _, err := s.LoadMany(context.Background(), keys); err != nil {
			t.Fatal(err)
		}
		if c := src.calls(); len(c) != 1 {
			t.Fatalf("a second LoadMany asked the BulkLoader again: %q", c)
		}
		if st := s.LoadStats(); st.Loads != 1 || st.NegativeHits != 1 {
			t.Fatalf("LoadStats = %+v, want 1 Load, 1 negative hit", st)
		}
	})
}

// TestLoadManyOneFlight: LoadMany and Load share flights both ways.
func TestLoadManyOneFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &bulkSource{gate: make(chan struct{})}
		g := &gatedLoader{}
		g.shut()
		s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load, Loader: g.load})
		defer s.Close()
		var wg sync.WaitGroup
		// A Load of ok-1 is in flight (blocked in the Loader) before LoadMany.
		wg.Go(func() { mustLoad(t, s, "ok-1", "ok-1#1") })
		synctest.Wait()
		var got map[string]string
		wg.Go(func() {
			var err error
			if got, err = s.LoadMany(context.Background(), []string{"ok-1", "ok-2", "ok-3"}); err != nil {
				t.Error(err)
			}
		})
		synctest.Wait()
		// A Load of a key LoadMany is loading waits for LoadMany's answer.
		wg.Go(func() { mustLoad(t, s, "ok-2", "bulk:ok-2") })
		synctest.Wait()
		close(src.gate)
		g.open()
		wg.Wait()
		if c := src.calls(); len(c) != 1 || !slices.Equal(c[0], []string{"ok-2", "ok-3"}) {
			t.Fatalf("BulkLoader calls %q, want one for ok-2 and ok-3 (ok-1 was in flight)", c)
		}
		if n := g.count(); n != 1 {
			t.Fatalf("Loader calls = %d, want 1 (the first Load)", n)
		}
		want := map[string]string{"ok-1": "ok-1#1", "ok-2": "bulk:ok-2", "ok-3": "bulk:ok-3"}
		if !maps.Equal(got, want) {
			t.Fatalf("LoadMany = %v, want %v", got, want)
		}
	})
}

func TestLoadManyPerKeyLoader(t *testing.T) {
	m := &missingLoader{}
	s := mustNew(t, &livedict.Options[string, string]{Loader: m.load})
	defer s.Close()
	var keys []string
	for i := range 200 { // more than one window of flights
		keys = append(keys, "ok"+strconv.Itoa(i))
	}
	keys = append(keys, "missing")
	got, err := s.LoadMany(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 200 || got["ok7"] != "v:ok7" {
		t.Fatalf("LoadMany returned %d values (ok7 = %q), want 200", len(got), got["ok7"])
	}
	if n := m.calls.Load(); n != 201 {
		t.Fatalf("Loader calls = %d, want 201, one per missing key", n)
	}
}

func TestLoadManyBackendFirst(t *testing.T) {
	data := new(store.MemoryData)
	{
		s := mustNew(t, &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
			Backend: store.NewMemoryShared(data), Plaintext: true}})
		if err := s.Set("ok-stored", "backend", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	src := &bulkSource{}
	s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load,
		Persist: &livedict.Persist[string, string]{Backend: store.NewMemoryShared(data), Plaintext: true}})
	defer s.Close()
	got, err := s.LoadMany(context.Background(), []string{"ok-stored", "ok-new"})
	if err != nil {
		t.Fatal(err)
	}
	if got["ok-stored"] != "backend" || got["ok-new"] != "bulk:ok-new" {
		t.Fatalf("LoadMany = %v", got)
	}
	if c := src.calls(); len(c) != 1 || !slices.Equal(c[0], []string{"ok-new"}) {
		t.Fatalf("BulkLoader asked %q, want only the key the backend lacks", c)
	}
}

func TestLoadManyErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("loader error", func(t *testing.T) {
		src := &bulkSource{err: errSource}
		s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load})
		defer s.Close()
		if err := s.Set("ok-hit", "memory", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		got, err := s.LoadMany(ctx, []string{"ok-hit", "ok-x"})
		if !errors.Is(err, errSource) || !maps.Equal(got, map[string]string{"ok-hit": "memory"}) {
			t.Fatalf("LoadMany = %v, %v; want the hit and the loader's error", got, err)
		}
	})
	t.Run("panic", func(t *testing.T) {
		src := &bulkSource{panic: true}
		s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load})
		defer s.Close()
		if _, err := s.LoadMany(ctx, []string{"ok-x", "ok-y"}); !errors.Is(err, livedict.ErrPanicked) {
			t.Fatalf("LoadMany = %v, want ErrPanicked", err)
		}
		if _, err := s.Load(ctx, "ok-x"); !errors.Is(err, livedict.ErrPanicked) {
			t.Fatalf("Load through BulkLoader = %v, want ErrPanicked", err)
		}
	})
	t.Run("not persisted", func(t *testing.T) {
		s := mustNew(t, &livedict.Options[string, string]{})
		defer s.Close()
		if _, err := s.LoadMany(ctx, []string{"a"}); !errors.Is(err, livedict.ErrNotPersisted) {
			t.Fatalf("LoadMany = %v, want ErrNotPersisted", err)
		}
	})
	t.Run("context", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			src := &bulkSource{gate: make(chan struct{})}
			s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load})
			defer s.Close()
			cctx, cancel := context.WithCancel(ctx)
			done := make(chan error)
			go func() {
				_, err := s.LoadMany(cctx, []string{"ok-x"})
				done <- err
			}()
			synctest.Wait()
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("LoadMany = %v, want context.Canceled", err)
			}
			close(src.gate) // the shared load ends; Close waits for it
		})
	})
	t.Run("closed", func(t *testing.T) {
		s := mustNew(t, &livedict.Options[string, string]{BulkLoader: (&bulkSource{}).load})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LoadMany(ctx, []string{"a"}); !errors.Is(err, livedict.ErrClosed) {
			t.Fatalf("LoadMany after Close = %v, want ErrClosed", err)
		}
	})
}

// TestLoadManyRefreshes: LoadMany's hits start reloads as Load's do.
func TestLoadManyRefreshes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &bulkSource{}
		s := mustNew(t, &livedict.Options[string, string]{BulkLoader: src.load,
			DefaultTTL: 10 * time.Minute, RefreshAfter: 5 * time.Minute})
		defer s.Close()
		if _, err := s.LoadMany(context.Background(), []string{"ok-1", "ok-2"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Minute)
		if _, err := s.LoadMany(context.Background(), []string{"ok-1"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		c := src.calls()
		if len(c) != 2 || !slices.Equal(c[1], []string{"ok-1"}) {
			t.Fatalf("BulkLoader calls %q, want a reload of ok-1 alone", c)
		}
		if ttl, _ := s.TTL("ok-1"); ttl != 10*time.Minute {
			t.Fatalf("TTL(ok-1) = %v after the reload, want 10m", ttl)
		}
		if st := s.LoadStats(); st.Refreshes != 1 {
			t.Fatalf("Refreshes = %d, want 1", st.Refreshes)
		}
	})
}
