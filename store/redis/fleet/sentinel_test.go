package fleet

import (
	"strings"
	"testing"

	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// Through Sentinel: coherence, then a failover to the replica. The old
// master, demoted, answers ROLE as a replica, so each tracker drops it,
// flushes, and follows Sentinel to the new master.
func TestSentinelFailover(t *testing.T) {
	master := redistest.Start(t)
	replica := redistest.StartReplica(t, master)
	sentinel := redistest.StartSentinel(t, master)
	ctx := testCtx(t)
	o := Options[string, string]{Redis: redis.Options{Addrs: []string{sentinel.Addr}, MasterName: redistest.SentinelMaster}}
	a, b := open(t, o), open(t, o)
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v1"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v1", true)

	// Sentinel learns of the replica from the master's INFO.
	waitFor(t, "Sentinel to know the replica", func() bool {
		r, err := redistest.Command(sentinel.Addr, "SENTINEL", "FAILOVER", redistest.SentinelMaster)
		return err == nil && r == "OK"
	})
	waitFor(t, "the replica to become master", func() bool {
		r, err := redistest.Command(replica.Addr, "INFO", "replication")
		return err == nil && strings.Contains(r, "role:master")
	})
	before := b.Stats()
	waitFor(t, "B's tracker to follow the failover", func() bool {
		return b.Stats().Reconnects > before.Reconnects && trackedBy(t, replica.Addr) >= 2
	})
	waitFor(t, "A's write to reach the new master", func() bool {
		return a.Set(ctx, "k", "v2") == nil
	})
	// Both trackers now follow the new master, and B flushed when it
	// left the old one: B must read v2 at once.
	wantGet(t, a, "k", "v2", true)
	wantGet(t, b, "k", "v2", true)
	wantGet(t, b, "k", "v2", true)
}

func trackedBy(t *testing.T, addr string) int { return len(trackerIDs(t, addr)) }
