package fleet_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/livedict/livedict/store/redis/fleet"
	"github.com/livedict/livedict/store/redis/fleet/internal/proc"
)

// TestProcChild is the body of the child processes of the multi-process
// tests: the test binary re-executed with proc.EnvChild set serves requests
// on stdin and exits. In the parent's own run it has nothing to do.
func TestProcChild(t *testing.T) {
	if os.Getenv(proc.EnvChild) == "" {
		t.Log("child body of the multi-process tests; runs only in children")
		return
	}
	code := 0
	if err := proc.Main(os.Stdin, os.Stdout); err != nil {
		os.Stderr.WriteString("proc child: " + err.Error() + "\n")
		code = 1
	}
	os.Exit(code)
}

// procWait bounds a condition poll across processes: long enough for a
// loaded machine, short enough that a hang fails rather than stalls CI.
const procWait = 60 * time.Second

// pollUntil polls cond until it holds, failing t after procWait. A
// condition, never a duration, ends the wait.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(procWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not a timing assumption
	}
}

// fleetSpec returns the open spec that every child of one test shares: one
// Name, one pair of keys.
func fleetSpec(t *testing.T, url string) proc.OpenSpec { return fleetSpecTB(t, url) }

func fleetSpecTB(_ testing.TB, url string) proc.OpenSpec {
	key := func() string {
		var b [32]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	return proc.OpenSpec{URL: url, Name: "proc-" + key()[:8], SealKey: key(), NameKey: key()}
}

// startChildren starts n children and opens a Map in each.
func startChildren(t *testing.T, spec proc.OpenSpec, names ...string) []*proc.Child {
	t.Helper()
	cs := make([]*proc.Child, len(names))
	for i, name := range names {
		cs[i] = proc.Start(t, name)
		cs[i].Must(t, proc.Request{Op: "open", Open: &spec})
	}
	return cs
}

func stats(t *testing.T, c *proc.Child) fleet.Stats {
	t.Helper()
	return c.Must(t, proc.Request{Op: "stats"}).Stats
}

// sequence reports whether outs holds exactly 1..n, in any order.
func sequence(outs []int64, n int) bool {
	s := slices.Clone(outs)
	slices.Sort(s)
	if len(s) != n {
		return false
	}
	for i, v := range s {
		if v != int64(i+1) {
			return false
		}
	}
	return true
}

// cacheOn polls Gets of key on c until one is a near hit, so that c holds a
// copy, and returns what it read.
func cacheOn(t *testing.T, c *proc.Child, key string) proc.Reply {
	t.Helper()
	var rep proc.Reply
	pollUntil(t, c.Name+" to cache "+key, func() bool {
		before := stats(t, c).NearHits
		rep = c.Must(t, proc.Request{Op: "get", Key: key})
		return rep.Stats.NearHits > before
	})
	return rep
}

// dropped reports whether c's near cache has dropped something since base:
// an invalidation or a whole flush.
func dropped(t *testing.T, c *proc.Child, base fleet.Stats) bool {
	s := stats(t, c)
	return s.Invalidations > base.Invalidations || s.Flushes > base.Flushes
}
