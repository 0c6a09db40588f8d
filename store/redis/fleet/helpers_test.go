package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// testTimeout bounds the waits of a test: long enough for a loaded
// machine, short enough that a hang fails rather than stalls CI.
const testTimeout = 60 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// open opens a Map over addrs (one standalone server, or cluster seeds
// with cluster set) and closes it when t ends.
func open[K comparable, V any](t *testing.T, o Options[K, V]) *Map[K, V] {
	t.Helper()
	if o.Name == "" {
		o.Name = "test"
	}
	m, err := Open(testCtx(t), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func standalone(s *redistest.Server) redis.Options {
	return redis.Options{Addrs: []string{s.Addr}}
}

func clusterOpts(c *redistest.Cluster) redis.Options {
	return redis.Options{Addrs: c.Addrs, Cluster: true}
}

// waitFor polls cond until it holds, failing t after testTimeout. It
// yields between polls (a condition, never a duration, ends the wait).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not a timing assumption
	}
}
