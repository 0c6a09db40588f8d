package fleet

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// TestGetAfterOwnWriteSkipsOlderFlight: a Get that starts after this
// instance's own Set of the key completed must not join a flight whose
// Redis read began before that Set, or it would return the older value
// (read-your-writes). A first Get's fill is parked between its Redis
// reply (the old value) and its insert; the same Map then Sets the key
// and Gets it. The clock is frozen, so the flight is well within Lease:
// only the write decides. joinHook makes a wrong join fail the test at
// once rather than wait on the parked flight.
func TestGetAfterOwnWriteSkipsOlderFlight(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	clk := &fakeClock{}
	var fills atomic.Int64
	parked, resume := make(chan struct{}), make(chan struct{})
	joined := make(chan struct{}, 1)
	m := open(t, Options[string, string]{Redis: standalone(srv), clock: clk.now, pingEvery: 24 * time.Hour,
		fillHook: func() {
			if fills.Add(1) == 1 {
				close(parked)
				<-resume
			}
		},
		joinHook: func() {
			select {
			case joined <- struct{}{}:
			default:
			}
		}})
	if err := m.Set(ctx, "k", "old"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		v   string
		err error
	}
	first := make(chan result, 1)
	go func() {
		v, _, err := m.Get(ctx, "k")
		first <- result{v, err}
	}()
	<-parked // the first Get read "old" and holds its flight open
	release := sync.OnceFunc(func() { close(resume) })
	defer release() // a failed test does not leave the first Get parked
	if err := m.Set(ctx, "k", "new"); err != nil {
		t.Fatal(err)
	}
	second := make(chan result, 1)
	go func() {
		v, _, err := m.Get(ctx, "k")
		second <- result{v, err}
	}()
	select {
	case <-joined:
		t.Fatal("a Get after the instance's own Set joined a flight that read Redis before it")
	case r := <-second:
		if r.err != nil || r.v != "new" {
			t.Fatalf("Get after own Set = %q, %v; want new", r.v, r.err)
		}
	}
	// The parked fill read before the Set: it must be discarded, not
	// cached over "new".
	release()
	if r := <-first; r.err != nil || r.v != "old" {
		t.Fatalf("first Get = %q, %v; want old", r.v, r.err)
	}
	if v, _, err := m.Get(ctx, "k"); err != nil || v != "new" {
		t.Fatalf("Get after the parked fill ended = %q, %v; want new", v, err)
	}
}

// TestDeclinedRMWRefreshesNear: a CompareAndSwap that does not swap, or a
// GetOrSet that loads, read Redis; later Gets on the same instance return
// what they read or newer, even when the near cache held an older value
// whose invalidation was lost.
func TestDeclinedRMWRefreshesNear(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	clk := &fakeClock{}
	b := open(t, Options[string, string]{Redis: standalone(srv), clock: clk.now, pingEvery: 24 * time.Hour,
		invalidateHook: func(string) bool { return false }})
	for _, k := range []string{"cas", "getorset"} {
		if err := a.Set(ctx, k, "old"); err != nil {
			t.Fatal(err)
		}
		if v, _, err := b.Get(ctx, k); err != nil || v != "old" {
			t.Fatalf("b.Get(%s) = %q, %v", k, v, err)
		}
		if err := a.Set(ctx, k, "new"); err != nil {
			t.Fatal(err)
		}
		if v, _, _ := b.Get(ctx, k); v != "old" {
			t.Fatalf("b.Get(%s) = %q; want the near cache's old value (invalidations are dropped)", k, v)
		}
	}
	if swapped, err := CompareAndSwap(ctx, b, "cas", "other", "x"); err != nil || swapped {
		t.Fatalf("CompareAndSwap = %t, %v", swapped, err)
	}
	if v, _, err := b.Get(ctx, "cas"); err != nil || v != "new" {
		t.Fatalf("Get after a CompareAndSwap that saw new = %q, %v", v, err)
	}
	if v, loaded, err := b.GetOrSet(ctx, "getorset", "x", 0); err != nil || !loaded || v != "new" {
		t.Fatalf("GetOrSet = %q, %t, %v", v, loaded, err)
	}
	if v, _, err := b.Get(ctx, "getorset"); err != nil || v != "new" {
		t.Fatalf("Get after a GetOrSet that loaded new = %q, %v", v, err)
	}
}
