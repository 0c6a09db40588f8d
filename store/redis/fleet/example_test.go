package fleet_test

import (
	"context"
	"fmt"
	"time"

	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/fleet"
)

// Two instances of a service share a rate-limit counter. The Example
// compiles but does not run: it needs a Redis server at localhost:6379.
func Example() {
	ctx := context.Background()
	opts := fleet.Options[string, int64]{
		Redis: redis.Options{Addrs: []string{"localhost:6379"}},
		Name:  "ratelimit",
		TTL:   time.Minute,
	}
	m, err := fleet.Open(ctx, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	// Atomic fleet-wide: every instance's increments count exactly once.
	n, err := fleet.Add(ctx, m, "client-42", 1, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	if n > 100 {
		fmt.Println("over the limit")
	}
	// A Get that hits the near cache costs a memory lookup.
	if v, ok, err := m.Get(ctx, "client-42"); err == nil && ok {
		fmt.Println("count:", v)
	}
}
