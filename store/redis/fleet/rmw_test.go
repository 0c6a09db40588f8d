package fleet

import (
	"sync"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

func TestAddFromTwoMapsIsExact(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, int64]{})
	const workers, each = 8, 25 // per Map
	var wg sync.WaitGroup
	for _, m := range []*Map[string, int64]{a, b} {
		for range workers {
			wg.Go(func() {
				for range each {
					if _, err := Add(ctx, m, "n", 1, livedict.KeepTTL); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	const want = 2 * workers * each
	wantGet(t, a, "n", int64(want), true)
	wantGet(t, b, "n", int64(want), true)
	if a.Stats().Conflicts+b.Stats().Conflicts == 0 {
		t.Log("no conflicts happened; the version check was not exercised this run")
	}
}

func TestUpdateFromTwoMapsIsExact(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, []string]{})
	var wg sync.WaitGroup
	for i, m := range []*Map[string, []string]{a, b} {
		for w := range 4 {
			wg.Go(func() {
				for j := range 10 {
					tag := string(rune('a'+i)) + string(rune('0'+w)) + string(rune('0'+j))
					_, ok, err := m.Update(ctx, "log", 0, func(old []string, _ bool) ([]string, bool) {
						return append(append([]string(nil), old...), tag), true
					})
					if err != nil || !ok {
						t.Errorf("Update = %v, %v", ok, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	got, _, err := a.Update(ctx, "log", 0, func(old []string, _ bool) ([]string, bool) { return old, false })
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s] {
			t.Fatalf("%q appended twice", s)
		}
		seen[s] = true
	}
	if len(got) != 80 {
		t.Fatalf("log holds %d appends, want 80: an update was lost", len(got))
	}
}

func TestGetOrSetSetIfAbsentRace(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, int]{})
	for round := range 20 {
		key := "k" + string(rune('a'+round))
		var wg sync.WaitGroup
		var mu sync.Mutex
		stored, setIfAbsent := 0, 0
		actuals := map[int]bool{}
		for i, m := range []*Map[string, int]{a, b, a, b} {
			wg.Go(func() {
				if i < 2 {
					v, loaded, err := m.GetOrSet(ctx, key, i, 0)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					actuals[v] = true
					if !loaded {
						stored++
					}
					mu.Unlock()
					return
				}
				ok, err := m.SetIfAbsent(ctx, key, i, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					setIfAbsent++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if stored+setIfAbsent != 1 {
			t.Fatalf("round %d: %d GetOrSets and %d SetIfAbsents stored, want exactly one in all", round, stored, setIfAbsent)
		}
		v, ok, err := a.Get(ctx, key)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		for x := range actuals {
			if x != v {
				t.Fatalf("round %d: GetOrSet returned %d but the key holds %d", round, x, v)
			}
		}
	}
}

func TestCompareAndSwapConflicts(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, int]{})
	if err := a.Set(ctx, "k", 0); err != nil {
		t.Fatal(err)
	}
	// Many swappers race on each step; exactly one wins each.
	for step := range 20 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 6 {
			m := a
			if i%2 == 1 {
				m = b
			}
			wg.Go(func() {
				ok, err := CompareAndSwap(ctx, m, "k", step, step+1)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("step %d: %d swaps won, want 1", step, wins)
		}
	}
	if ok, err := CompareAndSwap(ctx, a, "missing", 0, 1); err != nil || ok {
		t.Fatalf("CompareAndSwap of a missing key = %v, %v", ok, err)
	}
	wantGet(t, b, "k", 20, true)
}
