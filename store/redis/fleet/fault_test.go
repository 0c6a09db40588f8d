package fleet

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// The fill race: B's fill reads v1 from Redis, then, before it inserts,
// A writes v2 and B's tracker applies the invalidation. The fill must not
// insert v1, or B would serve it until MaxStaleness.
func TestFillRaceClosed(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	parked, resume := make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	b := open(t, Options[string, string]{Redis: standalone(srv), fillHook: func() {
		if armed.CompareAndSwap(true, false) {
			close(parked)
			<-resume
		}
	}})
	if err := a.Set(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	got := make(chan string, 1)
	go func() {
		v, _, err := b.Get(ctx, "k")
		if err != nil {
			v = "error: " + err.Error()
		}
		got <- v
	}()
	<-parked // B's fill has read v1 and not inserted it
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v2"); err != nil {
			t.Fatal(err)
		}
	})
	close(resume)
	if v := <-got; v != "v1" {
		t.Fatalf("the parked Get returned %q, want v1 (what it read)", v)
	}
	if n := b.Stats().FillsDiscarded; n != 1 {
		t.Fatalf("FillsDiscarded = %d, want 1", n)
	}
	wantGet(t, b, "k", "v2", true)
}

// trackerIDs returns the CLIENT LIST ids of the connections with
// tracking on (flag t).
func trackerIDs(t *testing.T, addr string) []string {
	t.Helper()
	list, err := redistest.Command(addr, "CLIENT", "LIST")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for line := range strings.Lines(list) {
		var id, flags string
		for f := range strings.FieldsSeq(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if v, ok := strings.CutPrefix(f, "flags="); ok {
				flags = v
			}
		}
		if strings.Contains(flags, "t") {
			ids = append(ids, id)
		}
	}
	return ids
}

// Killing B's tracking connection loses whatever invalidations were in
// flight; a value written while it was down must never be served stale
// once it is back.
func TestTrackerKilled(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	// B's reconnect waits (in its dial) until A's write is done, so the
	// write surely lands while B has no tracking connection.
	var hold atomic.Bool
	release := make(chan struct{})
	b := open(t, Options[string, string]{Redis: standalone(srv), dialHook: func() {
		if hold.Load() {
			<-release
		}
	}})
	if err := a.Set(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	wantGet(t, b, "k", "v1", true)
	before := b.Stats()
	ids := trackerIDs(t, srv.Addr)
	if len(ids) != 2 {
		t.Fatalf("%d tracking connections, want 2 (one per Map)", len(ids))
	}
	hold.Store(true)
	// Kill both (A's is killed too: neither may serve stale).
	for _, id := range ids {
		if _, err := redistest.Command(srv.Addr, "CLIENT", "KILL", "ID", id); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "B to flush after losing its tracker", func() bool { return b.Stats().Flushes > before.Flushes })
	if err := a.Set(ctx, "k", "v2"); err != nil {
		t.Fatal(err)
	}
	// While B's tracker is down the lease has lapsed: Gets read Redis.
	wantGet(t, b, "k", "v2", true)
	hold.Store(false)
	close(release)
	waitFor(t, "B's tracker to reconnect", func() bool { return b.Stats().Reconnects > before.Reconnects })
	wantGet(t, b, "k", "v2", true)
	wantGet(t, b, "k", "v2", true)
	if b.Stats().LeaseBypasses == before.LeaseBypasses {
		t.Fatal("no Get bypassed the near cache while the tracker was down")
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() int64              { return c.t.Load() }
func (c *fakeClock) advance(d time.Duration) { c.t.Add(int64(d)) }

func TestLeaseLapseBypassesNearCache(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	clk := &fakeClock{}
	clk.advance(time.Hour)
	const lease = 100 * time.Millisecond
	// One confirmation only (at Open): the lease ends at 1h+100ms.
	b := open(t, Options[string, string]{Redis: standalone(srv), Lease: lease, clock: clk.now, pingEvery: 24 * time.Hour})
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v1"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v1", true)
	s := b.Stats()
	wantGet(t, b, "k", "v1", true)
	if b.Stats().NearHits != s.NearHits+1 {
		t.Fatal("a Get within the lease was not a near hit")
	}
	clk.advance(lease)
	wantGet(t, b, "k", "v1", true)
	s2 := b.Stats()
	if s2.LeaseBypasses != s.LeaseBypasses+1 || s2.NearHits != s.NearHits+1 {
		t.Fatalf("after the lease: %+v, want one more LeaseBypass and no near hit", s2)
	}
	if s2.Fills != s.Fills {
		t.Fatal("a Get outside the lease filled the near cache")
	}
}

func TestMaxStalenessBoundsLostInvalidations(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	clk := &fakeClock{}
	const maxStale = time.Second
	var dropped atomic.Int64
	b := open(t, Options[string, string]{
		Redis: standalone(srv), Lease: 24 * time.Hour, MaxStaleness: maxStale,
		clock: clk.now, pingEvery: 24 * time.Hour,
		invalidateHook: func(string) bool { dropped.Add(1); return false },
	})
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	if err := a.Set(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	wantGet(t, b, "k", "v1", true)
	n := dropped.Load()
	if err := a.Set(ctx, "k", "v2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B to receive (and lose) the invalidation", func() bool { return dropped.Load() > n })
	wantGet(t, b, "k", "v1", true) // stale: the invalidation was lost
	clk.advance(maxStale - 1)
	wantGet(t, b, "k", "v1", true)
	clk.advance(1)
	wantGet(t, b, "k", "v2", true) // MaxStaleness reached: read from Redis
}

func TestOpenFailsWithoutServer(t *testing.T) {
	srv := redistest.Start(t)
	addr := srv.Addr
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := Open(ctx, Options[string, string]{Name: "x", Redis: standalone(&redistest.Server{Addr: addr})}); err == nil {
		t.Fatal("Open with no server succeeded")
	}
}

// A server restarted empty: the trackers reconnect, and nothing from
// before the restart is served.
func TestServerRestartFlushes(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a, b := pair(t, srv, Options[string, string]{})
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v1"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v1", true)
	before := b.Stats()
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B's tracker to reconnect", func() bool { return b.Stats().Reconnects > before.Reconnects })
	wantGet(t, b, "k", "", false)
	wantGet(t, b, "k", "", false)
}

func TestOpenURL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a := open(t, Options[string, string]{URL: srv.URL() + "?timeout=2s"})
	b := open(t, Options[string, string]{URL: srv.URL()})
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v", true)
	if a.timeout != 2*time.Second {
		t.Fatalf("timeout = %v, want the URL's 2s", a.timeout)
	}
}

// Concurrent misses of one key make one Redis read: the others join its
// flight (the clock is frozen, so every joiner starts within a Lease of
// it).
func TestOneFlightPerKey(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	clk := &fakeClock{}
	var reads atomic.Int64
	parked, resume := make(chan struct{}), make(chan struct{})
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	if err := a.Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	b := open(t, Options[string, string]{Redis: standalone(srv), clock: clk.now, pingEvery: 24 * time.Hour,
		fillHook: func() {
			if reads.Add(1) == 1 {
				close(parked)
				<-resume
			}
		}})
	done := make(chan string, 16)
	get := func() {
		v, _, err := b.Get(ctx, "k")
		if err != nil {
			v = err.Error()
		}
		done <- v
	}
	go get()
	<-parked
	for range 15 {
		go get()
	}
	close(resume)
	for range 16 {
		if v := <-done; v != "v" {
			t.Fatalf("Get = %q", v)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d Redis reads for 16 concurrent Gets, want 1; stats %+v", n, b.Stats())
	}
}
