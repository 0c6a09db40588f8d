package bench

import (
	"fmt"
	"testing"
)

// TestContenders drives every adapter through the Cache contract with both
// key types, so a benchmark never measures a cache that silently does not
// store, update or delete.
func TestContenders(t *testing.T) {
	t.Run("string", testContenders[string])
	t.Run("uint64", testContenders[uint64])
}

func testContenders[K Key](t *testing.T) {
	keys := Keys[K](0, 1000)
	for _, ct := range Contenders[K, value]() {
		t.Run(ct.Name, func(t *testing.T) {
			t.Run("Name", func(t *testing.T) {
				c := ct.Build(0)
				defer c.Close()
				if got := c.Name(); got != ct.Name {
					t.Errorf("Name() = %q, want %q", got, ct.Name)
				}
			})
			t.Run("SetGetUpdateDelete", func(t *testing.T) {
				c := ct.Build(0)
				defer c.Close()
				if present := fill(c, keys, ct.TTL); present != len(keys) {
					t.Fatalf("after fill, %d of %d keys present", present, len(keys))
				}
				for i, k := range keys {
					if v, ok := c.Get(k); !ok || v != value(i) {
						t.Fatalf("Get(%v) = %v, %v; want %v, true", k, v, ok, i)
					}
				}
				c.Set(keys[0], 12345, ct.TTL)
				waitIfAsync(c)
				if v, ok := c.Get(keys[0]); !ok || v != 12345 {
					t.Errorf("after update, Get = %v, %v; want 12345, true", v, ok)
				}
				c.Delete(keys[1])
				waitIfAsync(c)
				if v, ok := c.Get(keys[1]); ok {
					t.Errorf("after Delete, Get = %v, true; want a miss", v)
				}
				if _, ok := c.Get(Keys[K](len(keys), 1)[0]); ok {
					t.Error("Get of a key never set hit")
				}
			})
			if !ct.Bounded {
				return
			}
			t.Run("Bounded", func(t *testing.T) {
				const capacity = 100
				c := ct.BuildSync(capacity)
				defer c.Close()
				for i, k := range keys {
					c.Set(k, value(i), ct.TTL)
				}
				waitIfAsync(c)
				present := 0
				for _, k := range keys {
					if _, ok := c.Get(k); ok {
						present++
					}
				}
				// Bounds are approximate in some contenders (ristretto
				// admits by cost in batches; S3-FIFO and W-TinyLFU keep
				// per-shard budgets), so allow slack, but a cache that kept
				// everything is not bounded.
				if present == 0 || present > 2*capacity {
					t.Errorf("capacity %d after %d inserts: %d present", capacity, len(keys), present)
				}
			})
		})
	}
}

// ExampleContenders lists the contenders for string keys.
func ExampleContenders() {
	for _, c := range Contenders[string, uint64]() {
		fmt.Println(c.Name)
	}
	// Output:
	// shardmap
	// livedict
	// livedict-ttl
	// otter
	// otter-ttl
	// ristretto
	// ttlcache-ttl
	// go-cache
	// lru-expirable
}
