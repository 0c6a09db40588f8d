package fleet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store/redis/fleet"
	"github.com/livedict/livedict/store/redis/fleet/internal/history"
	"github.com/livedict/livedict/store/redis/fleet/internal/proc"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// Randomized histories across OS processes, with faults injected by the
// parent while the children run, checked with porcupine against exactly the
// guarantee of the package: per key, writes and read-modify-writes
// linearizable at their real times, each read's start moved back by Lease
// (but not before its own instance's latest write of the key: read-your-
// writes).
//
// Each run is bounded by operation counts, not by time: the parent waits
// for every child to do phaseOps more operations before each fault and
// after the last. LIVEDICT_FLEET_SOAK=N multiplies the phases by N (a
// longer soak: go test -run TestHistory -timeout 30m with N=20 or so);
// LIVEDICT_FLEET_SEED=S replays the seed a failure printed.

const (
	historyLease = 100 * time.Millisecond
	phaseOps     = 40 // operations each child does between two faults
	checkTimeout = 2 * time.Minute
)

var historyKeys = []string{"k0", "k1", "k2"}

func soak(t *testing.T) int {
	if v := os.Getenv("LIVEDICT_FLEET_SOAK"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("LIVEDICT_FLEET_SOAK=%q: want a positive integer", v)
		}
		return n
	}
	return 1
}

func seed(t *testing.T) int64 {
	if v := os.Getenv("LIVEDICT_FLEET_SEED"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("LIVEDICT_FLEET_SEED=%q: %v", v, err)
		}
		return s
	}
	return time.Now().UnixNano()
}

// fault is one thing the parent does to the servers mid-run; seen reports
// whether a child has noticed it, given its Stats from before.
type fault struct {
	name string
	do   func(t *testing.T)
	seen func(before, now fleet.Stats) bool
}

// reconnected: the child's trackers have come back after a dropped stream.
func reconnected(before, now fleet.Stats) bool { return now.Reconnects > before.Reconnects }

// runHistory starts one child per name on url, runs the random workload
// through the faults (each soak times) and checks the history.
func runHistory(t *testing.T, url string, children int, faults []fault) {
	s := seed(t)
	t.Logf("seed %d (LIVEDICT_FLEET_SEED=%d replays it)", s, s)
	spec := fleetSpec(t, url)
	spec.Lease = historyLease
	names := make([]string, children)
	for i := range names {
		names[i] = fmt.Sprintf("P%d", i)
	}
	cs := startChildren(t, spec, names...)
	const workers = 2
	for i, c := range cs {
		c.Must(t, proc.Request{Op: "run", Run: &proc.RunSpec{
			Inst: i, Client: i * workers, Workers: workers, Seed: s + int64(i), Keys: historyKeys,
		}})
	}
	counts := make([]int, len(cs))
	progress := func(what string) {
		t.Helper()
		for i, c := range cs {
			want := counts[i] + phaseOps
			pollUntil(t, fmt.Sprintf("%s to do %d ops %s", c.Name, phaseOps, what), func() bool {
				counts[i] = c.Must(t, proc.Request{Op: "count"}).Count
				return counts[i] >= want
			})
		}
	}
	progress("before the first fault")
	for round := range soak(t) {
		for _, f := range faults {
			before := make([]fleet.Stats, len(cs))
			for i, c := range cs {
				before[i] = stats(t, c)
			}
			f.do(t)
			if f.seen != nil {
				for i, c := range cs {
					pollUntil(t, c.Name+" to notice "+f.name, func() bool { return f.seen(before[i], stats(t, c)) })
				}
			}
			progress(fmt.Sprintf("after %s (round %d)", f.name, round))
		}
	}
	var ops []history.Op
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			rep, err := c.Call(proc.Request{Op: "stop"})
			if err != nil {
				t.Errorf("%s stop: %v", c.Name, err)
			}
			mu.Lock()
			ops = append(ops, rep.Ops...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	check(t, ops, historyLease)
}

// check runs porcupine over ops and, when it finds no linearization, writes
// a visualization next to the test's output and fails t.
func check(t *testing.T, ops []history.Op, lease time.Duration) {
	t.Helper()
	failed := 0
	for _, o := range ops {
		if o.Err != "" {
			failed++
		}
	}
	t.Logf("history: %d ops (%d errored), %d keys", len(ops), failed, len(historyKeys))
	start := time.Now()
	res, info := history.Check(ops, lease, checkTimeout)
	t.Logf("porcupine: %s in %v", res, time.Since(start).Round(time.Millisecond))
	switch res {
	case porcupine.Ok:
		return
	case porcupine.Unknown:
		t.Fatalf("porcupine gave up after %v: make the phases smaller", checkTimeout)
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("fleet-history-%d.html", time.Now().UnixNano()))
	if err := porcupine.VisualizePath(history.Model.ToModel(), info, path); err != nil {
		t.Logf("visualize: %v", err)
	}
	f, err := os.Create(path + ".jsonl")
	if err == nil {
		_ = history.Write(f, ops)
		_ = f.Close()
	}
	t.Fatalf("history is not linearizable under the guarantee (Lease %v); see %s and %s.jsonl", lease, path, path)
}

// TestHistoryStandaloneFaults: four processes on a persistent standalone
// server; the tracking connections are killed (CLIENT KILL), the server is
// killed and restarted, then the tracking connections are killed again.
func TestHistoryStandaloneFaults(t *testing.T) {
	srv := redistest.StartPersistent(t)
	killTracking := fault{name: "CLIENT KILL of the tracking connections", seen: reconnected, do: func(t *testing.T) {
		if _, err := redistest.KillTracking(srv.Addr); err != nil {
			t.Fatal(err)
		}
	}}
	restart := fault{name: "a server restart", seen: reconnected, do: func(t *testing.T) {
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
	}}
	runHistory(t, srv.URL(), 4, []fault{killTracking, restart, killTracking})
}

// TestHistoryClusterMigration: three processes on a three-master cluster;
// the slots holding the keys move to other masters mid-run (MOVED and ASK
// meanwhile), then a master's tracking connections are killed.
func TestHistoryClusterMigration(t *testing.T) {
	cl := redistest.StartCluster(t)
	migrate := fault{name: "a migration of the keys' slots", do: func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), procWait)
		defer cancel()
		for _, slot := range keySlots(t, ctx, cl) {
			owner, err := cl.SlotOwner(ctx, slot)
			if err != nil {
				t.Fatal(err)
			}
			to := cl.Addrs[0]
			for i, a := range cl.Addrs {
				if a == owner {
					to = cl.Addrs[(i+1)%len(cl.Addrs)]
				}
			}
			if err := cl.MigrateSlot(ctx, slot, to); err != nil {
				t.Fatal(err)
			}
		}
	}}
	killTracking := fault{name: "CLIENT KILL on one master", seen: reconnected, do: func(t *testing.T) {
		if _, err := redistest.KillTracking(cl.Addrs[1]); err != nil {
			t.Fatal(err)
		}
	}}
	runHistory(t, cl.URL(), 3, []fault{migrate, killTracking, migrate})
}

// keySlots returns the slots of the fleet keys the cluster holds now.
func keySlots(t *testing.T, ctx context.Context, cl *redistest.Cluster) []int {
	c := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: cl.Addrs})
	defer c.Close()
	var mu sync.Mutex
	seen := map[int]bool{}
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
		iter := m.Scan(ctx, 0, "ld:f:*", 100).Iterator()
		for iter.Next(ctx) {
			slot, err := m.ClusterKeySlot(ctx, iter.Val()).Result()
			if err != nil {
				return err
			}
			mu.Lock()
			seen[int(slot)] = true
			mu.Unlock()
		}
		return iter.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	slots := make([]int, 0, len(seen))
	for s := range seen {
		slots = append(slots, s)
	}
	return slots
}

// TestHistoryClusterFailover: three processes on a three-master cluster with
// a replica each; a replica is promoted with CLUSTER FAILOVER mid-run, twice
// (another shard the second time). Each Map sees its master set change and
// flushes its near cache.
func TestHistoryClusterFailover(t *testing.T) {
	cl := redistest.StartReplicatedCluster(t)
	flushed := func(before, now fleet.Stats) bool { return now.Flushes > before.Flushes }
	round := 0
	failover := fault{name: "a CLUSTER FAILOVER", seen: flushed, do: func(t *testing.T) {
		reps, err := cl.Replicas()
		if err != nil {
			t.Fatal(err)
		}
		if err := cl.Failover(reps[round%len(reps)]); err != nil {
			t.Fatal(err)
		}
		round++
	}}
	runHistory(t, cl.URL(), 3, []fault{failover, failover})
}
