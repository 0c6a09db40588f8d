package livedict_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// missingLoader knows the keys that start with "ok"; every other key does
// not exist.
type missingLoader struct{ calls atomic.Int64 }

func (m *missingLoader) load(_ context.Context, _ string, k string) (string, time.Duration, error) {
	m.calls.Add(1)
	if len(k) >= 2 && k[:2] == "ok" {
		return "v:" + k, livedict.DefaultTTL, nil
	}
	return "", 0, livedict.ErrNotFound
}

func wantNotFound(t *testing.T, v interface {
	Load(context.Context, string) (string, error)
}, key string) {
	t.Helper()
	if got, err := v.Load(context.Background(), key); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("Load(%q) = %q, %v; want ErrNotFound", key, got, err)
	}
}

func TestNegativeCaching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &missingLoader{}
		s := mustNew(t, &livedict.Options[string, string]{NegativeTTL: time.Minute, Loader: m.load})
		defer s.Close()

		for range 10 {
			wantNotFound(t, s, "gone")
		}
		if n := m.calls.Load(); n != 1 {
			t.Fatalf("ten Loads of a missing key made %d Loader calls, want 1", n)
		}
		if st := s.LoadStats(); st.NegativeHits != 9 || st.Loads != 1 {
			t.Fatalf("LoadStats = %+v, want 1 Load and 9 negative hits", st)
		}
		// The remembered absence is no entry.
		if _, ok := s.Get("gone"); ok || s.Has("gone") || s.Len() != 0 || s.LenAll() != 0 {
			t.Fatal("a negative answer shows in Get, Has or Len")
		}
		if keys := slices.Collect(s.Keys()); len(keys) != 0 {
			t.Fatalf("Keys = %q", keys)
		}
		for k := range s.All() {
			t.Fatalf("All yields %q", k)
		}
		if _, ok := s.TTL("gone"); ok {
			t.Fatal("TTL sees a negative answer")
		}

		// A write replaces it at once.
		if err := s.Set("gone", "back", livedict.DefaultTTL); err != nil {
			t.Fatal(err)
		}
		mustLoad(t, s, "gone", "back")
		s.Delete("gone")
		wantNotFound(t, s, "gone") // asks the Loader again: the write ended the old answer
		if n := m.calls.Load(); n != 2 {
			t.Fatalf("Loader calls = %d, want 2", n)
		}

		// It lasts NegativeTTL.
		time.Sleep(time.Minute - time.Nanosecond)
		wantNotFound(t, s, "gone")
		if n := m.calls.Load(); n != 2 {
			t.Fatalf("Loader asked again before NegativeTTL passed (%d calls)", n)
		}
		time.Sleep(time.Nanosecond)
		wantNotFound(t, s, "gone")
		if n := m.calls.Load(); n != 3 {
			t.Fatalf("Loader calls = %d, want 3 once NegativeTTL passed", n)
		}
	})
}

func TestNegativeTTLPerBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &missingLoader{}
		s := mustNew(t, &livedict.Options[string, string]{NegativeTTL: time.Minute, Loader: m.load,
			Buckets: map[string]livedict.BucketOptions{"off": {NegativeTTL: livedict.Disabled}}})
		defer s.Close()
		on, err := s.DefineBucket("long", livedict.BucketOptions{NegativeTTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			wantNotFound(t, s.Bucket("off"), "x")
		}
		if n := m.calls.Load(); n != 3 {
			t.Fatalf("a bucket with NegativeTTL Disabled made %d Loader calls for 3 Loads, want 3", n)
		}
		wantNotFound(t, on, "x")
		wantNotFound(t, s, "x")
		time.Sleep(30 * time.Minute) // past the store's minute, within the bucket's hour
		wantNotFound(t, on, "x")
		wantNotFound(t, s, "x")
		if n := m.calls.Load(); n != 6 {
			t.Fatalf("Loader calls = %d, want 6 (the default bucket asks again)", n)
		}
		// The answer belongs to its bucket: a bucket dropped and made again
		// under the same name (and maybe id) does not inherit it.
		if err := s.DropBucket(context.Background(), "long"); err != nil {
			t.Fatal(err)
		}
		again, err := s.DefineBucket("long", livedict.BucketOptions{NegativeTTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, again, "x")
		if n := m.calls.Load(); n != 7 {
			t.Fatalf("Loader calls = %d, want 7: a new bucket asks afresh", n)
		}
	})
}

// evictFromMemory writes other keys until key leaves memory (Evict policy).
func evictFromMemory(t *testing.T, s *livedict.Store[string, string], key string) {
	t.Helper()
	for i := 0; s.Has(key); i++ {
		if i > 10000 {
			t.Fatalf("%q never left memory", key)
		}
		if err := s.Set("filler"+strconv.Itoa(i), "x", livedict.DefaultTTL); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNegativeForgottenByWrite: in a persisted bucket a key written after
// its absence was remembered loads from the backend once memory lost it,
// also when the write landed while the load that found it absent ran.
func TestNegativeForgottenByWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s *livedict.Store[string, string]
		var loaderCalls atomic.Int64
		s = mustNew(t, &livedict.Options[string, string]{
			MaxKeys: 16, Policy: livedict.Evict, NegativeTTL: time.Hour,
			Persist: &livedict.Persist[string, string]{Backend: store.NewMemory(), Plaintext: true},
			Loader: func(_ context.Context, _ string, k string) (string, time.Duration, error) {
				loaderCalls.Add(1)
				if k == "racy" {
					// The key is written while this load finds it absent.
					if err := s.Set(k, "written", livedict.DefaultTTL); err != nil {
						return "", 0, err
					}
				}
				return "", 0, livedict.ErrNotFound
			}})
		defer s.Close()

		wantNotFound(t, s, "later")
		if err := s.Set("later", "written", livedict.DefaultTTL); err != nil {
			t.Fatal(err)
		}
		evictFromMemory(t, s, "later")
		mustLoad(t, s, "later", "written")

		wantNotFound(t, s, "racy")
		evictFromMemory(t, s, "racy")
		mustLoad(t, s, "racy", "written")
		if n := loaderCalls.Load(); n != 2 {
			t.Fatalf("Loader calls = %d, want 2", n)
		}
	})
}

// TestNegativeWithoutLoader: a persisted bucket without a Loader remembers
// the backend's "no record" too.
func TestNegativeWithoutLoader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory()
		var gets atomic.Int64
		s := mustNew(t, &livedict.Options[string, string]{NegativeTTL: time.Minute,
			Persist: &livedict.Persist[string, string]{Backend: countGets{mem, &gets}, Plaintext: true}})
		defer s.Close()
		for range 5 {
			wantNotFound(t, s, "nowhere")
		}
		if n := gets.Load(); n != 1 {
			t.Fatalf("five Loads of a missing key read the backend %d times, want 1", n)
		}
	})
}

// countGets counts the Gets that reach a stage.
type countGets struct {
	store.Stage
	n *atomic.Int64
}

func (c countGets) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	c.n.Add(1)
	return c.Stage.Get(ctx, bucket, key)
}
