package fleet

import (
	"strconv"
	"sync"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// TestCluster runs the coherence checks on a three-master cluster: one
// tracker per master, keys spread over every slot range.
func TestCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	ctx := testCtx(t)
	o := Options[string, int64]{Redis: clusterOpts(c)}
	a, b := open(t, o), open(t, o)
	for _, m := range []*Map[string, int64]{a, b} {
		m.tmu.Lock()
		n := len(m.trackers)
		m.tmu.Unlock()
		if n != 3 {
			t.Fatalf("%d trackers, want one per master (3)", n)
		}
	}
	keys := make([]string, 30) // enough to land on every master
	for i := range keys {
		keys[i] = "key" + strconv.Itoa(i)
	}

	t.Run("WriteInvalidates", func(t *testing.T) {
		for i, k := range keys {
			if _, ok, err := b.Get(ctx, k); err != nil || ok {
				t.Fatalf("Get(%s) before Set = %v, %v", k, ok, err)
			}
			invalidated(t, b, func() {
				if err := a.Set(ctx, k, int64(i)); err != nil {
					t.Fatal(err)
				}
			})
			wantGet(t, b, k, int64(i), true)
		}
	})
	t.Run("DeleteMakesMiss", func(t *testing.T) {
		for _, k := range keys[:10] {
			wantGet(t, b, k, mustGet(t, a, k), true)
			invalidated(t, b, func() {
				if ok, err := a.Delete(ctx, k); err != nil || !ok {
					t.Fatalf("Delete = %v, %v", ok, err)
				}
			})
			wantGet(t, b, k, 0, false)
		}
	})
	t.Run("AddIsExact", func(t *testing.T) {
		var wg sync.WaitGroup
		for _, m := range []*Map[string, int64]{a, b} {
			for range 4 {
				wg.Go(func() {
					for i := range 25 {
						if _, err := Add(ctx, m, keys[i%3], 1, livedict.KeepTTL); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		var sum int64
		for _, k := range keys[:3] {
			sum += mustGet(t, b, k)
		}
		if sum != 200 {
			t.Fatalf("counters sum to %d after 200 increments", sum)
		}
	})
	t.Run("Clear", func(t *testing.T) {
		if err := a.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			wantGet(t, a, k, 0, false)
		}
	})
	t.Run("TrackerKilled", func(t *testing.T) {
		before := b.Stats()
		for _, n := range c.Nodes {
			for _, id := range trackerIDs(t, n.Addr) {
				if _, err := redistest.Command(n.Addr, "CLIENT", "KILL", "ID", id); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, k := range keys {
			if err := a.Set(ctx, k, int64(100+i)); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "B's trackers to come back", func() bool { return b.Stats().Reconnects >= before.Reconnects+3 })
		for i, k := range keys {
			wantGet(t, b, k, int64(100+i), true)
		}
	})
}

func mustGet[V any](t *testing.T, m *Map[string, V], key string) V {
	t.Helper()
	v, ok, err := m.Get(testCtx(t), key)
	if err != nil || !ok {
		t.Fatalf("Get(%q) = %v, %v", key, ok, err)
	}
	return v
}
