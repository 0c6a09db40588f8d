package fleet_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/livedict/livedict/store/redis/fleet/internal/history"
	"github.com/livedict/livedict/store/redis/fleet/internal/proc"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// The four failures of issue 11, each across two OS processes (A and B, the
// test binary re-executed) sharing one standalone redis-server.

// TestProcDeleteInvalidatesOtherProcess: a session deleted (logout) on A is
// gone on B once B's tracker has applied the invalidation.
func TestProcDeleteInvalidatesOtherProcess(t *testing.T) {
	srv := redistest.Start(t)
	cs := startChildren(t, fleetSpec(t, srv.URL()), "A", "B")
	a, b := cs[0], cs[1]

	a.Must(t, proc.Request{Op: string(history.Set), Key: "session", Arg: 42})
	if rep := cacheOn(t, b, "session"); !rep.Found || rep.Out != 42 {
		t.Fatalf("B Get before logout = %d, %t; want 42, true", rep.Out, rep.Found)
	}
	base := stats(t, b)
	if rep := a.Must(t, proc.Request{Op: string(history.Delete), Key: "session"}); !rep.Found {
		t.Fatal("A Delete found no session")
	}
	pollUntil(t, "B to apply the invalidation of A's Delete", func() bool { return dropped(t, b, base) })
	if rep := b.Must(t, proc.Request{Op: string(history.Get), Key: "session"}); rep.Found {
		t.Fatalf("B still sees the deleted session: %d", rep.Out)
	}
}

// TestProcStaleUpdateCannotResurrect: B's Update, run on a near-cache copy
// that A has since deleted (before B heard of it), must find the entry
// absent in Redis and store nothing.
func TestProcStaleUpdateCannotResurrect(t *testing.T) {
	srv := redistest.Start(t)
	spec := fleetSpec(t, srv.URL())
	cs := startChildren(t, spec, "A", "B", "C")
	a, b, c := cs[0], cs[1], cs[2]

	// Rounds, so that some of B's writes run before B hears of the Delete.
	for round := range int64(5) {
		v := 10 * (round + 1)
		a.Must(t, proc.Request{Op: string(history.Set), Key: "session", Arg: v})
		cacheOn(t, b, "session")
		a.Must(t, proc.Request{Op: string(history.Delete), Key: "session"})
		// No wait: B may still hold its copy; a write based on it must
		// fail in Redis.
		if rep := b.Must(t, proc.Request{Op: string(history.CAS), Key: "session", Old: v, Arg: v + 1}); rep.Found {
			t.Fatalf("round %d: B swapped its stale copy of a deleted entry", round)
		}
		// Update's function is old+1 when found, else Arg.
		if rep := b.Must(t, proc.Request{Op: string(history.Update), Key: "session", Arg: -v}); rep.Out != -v {
			t.Fatalf("round %d: B's Update saw the deleted entry: stored %d, want %d", round, rep.Out, -v)
		}
		// Add of 0 is a read-modify-write: C reads what Redis holds.
		if got := c.Must(t, proc.Request{Op: string(history.Add), Key: "session", Arg: 0}); got.Out != -v {
			t.Fatalf("round %d: Redis holds %d after B's Update; want %d", round, got.Out, -v)
		}
		a.Must(t, proc.Request{Op: string(history.Delete), Key: "session"})
	}
}

// TestProcIncrementsFromTwoProcesses: 100 increments from each of two
// processes, at the same time, end at exactly 200 in both; each increment
// returned a distinct count, so none was lost.
func TestProcIncrementsFromTwoProcesses(t *testing.T) {
	srv := redistest.Start(t)
	for _, tc := range []struct {
		name string
		arg  int64 // incr: 0 is Add, 1 is Update
	}{{"Add", 0}, {"Update", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			cs := startChildren(t, fleetSpec(t, srv.URL()), "A", "B")
			var wg sync.WaitGroup
			outs := make([][]int64, len(cs))
			errs := make([]error, len(cs))
			for i, c := range cs {
				wg.Go(func() {
					rep, err := c.Call(proc.Request{Op: "incr", Key: "rate", Arg: tc.arg, N: 100})
					if err == nil && rep.Err != "" {
						err = fmt.Errorf("%s", rep.Err)
					}
					outs[i], errs[i] = rep.Outs, err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("%s: %v", cs[i].Name, err)
				}
			}
			if all := append(outs[0], outs[1]...); !sequence(all, 200) {
				t.Fatalf("increments returned %v, want 1..200 each once", all)
			}
			for _, c := range cs {
				// A read reflects every write done more than Lease
				// before it: poll until it does, and never see more.
				pollUntil(t, c.Name+" to read 200", func() bool {
					rep := c.Must(t, proc.Request{Op: string(history.Get), Key: "rate"})
					if rep.Out > 200 {
						t.Fatalf("%s reads %d > 200", c.Name, rep.Out)
					}
					return rep.Found && rep.Out == 200
				})
				if rep := c.Must(t, proc.Request{Op: string(history.Add), Key: "rate", Arg: 0}); rep.Out != 200 {
					t.Fatalf("%s Add(0) = %d, want 200", c.Name, rep.Out)
				}
			}
		})
	}
}

// TestProcWriteIsReadByOtherProcess: a write on A is read by B at once when
// B has no copy, and after B's invalidation when it has an older one.
func TestProcWriteIsReadByOtherProcess(t *testing.T) {
	srv := redistest.Start(t)
	cs := startChildren(t, fleetSpec(t, srv.URL()), "A", "B")
	a, b := cs[0], cs[1]

	a.Must(t, proc.Request{Op: string(history.Set), Key: "k", Arg: 1})
	if rep := b.Must(t, proc.Request{Op: string(history.Get), Key: "k"}); !rep.Found || rep.Out != 1 {
		t.Fatalf("B Get = %d, %t; want 1, true", rep.Out, rep.Found)
	}
	cacheOn(t, b, "k")
	base := stats(t, b)
	a.Must(t, proc.Request{Op: string(history.Set), Key: "k", Arg: 2})
	pollUntil(t, "B to apply the invalidation of A's second Set", func() bool { return dropped(t, b, base) })
	if rep := b.Must(t, proc.Request{Op: string(history.Get), Key: "k"}); !rep.Found || rep.Out != 2 {
		t.Fatalf("B Get after A's second Set = %d, %t; want 2, true", rep.Out, rep.Found)
	}
}
