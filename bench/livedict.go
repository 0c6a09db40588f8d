package bench

import (
	"time"

	"github.com/livedict/livedict"
)

type liveDictCache[K comparable, V any] struct {
	s    *livedict.Store[K, V]
	name string
}

// newLiveDict builds a LiveDict store: unbounded with the default policy when
// Capacity is 0, MaxKeys = Capacity with Policy Evict otherwise. Set's ttl
// maps to NoExpiry when it is 0. A Set error is a broken benchmark setup
// (neither configuration can be full), so it panics rather than being
// counted.
func newLiveDict[K Key, V any](cfg Config) Cache[K, V] {
	opts := &livedict.Options[K, V]{}
	if cfg.Capacity > 0 {
		opts.MaxKeys = cfg.Capacity
		opts.Policy = livedict.Evict
	}
	s, err := livedict.New[K, V](opts)
	if err != nil {
		panic("bench: livedict: " + err.Error())
	}
	return &liveDictCache[K, V]{s: s, name: variantName("livedict", cfg.TTL)}
}

func (c *liveDictCache[K, V]) Name() string { return c.name }

func (c *liveDictCache[K, V]) Set(k K, v V, ttl time.Duration) {
	if ttl <= 0 {
		ttl = livedict.NoExpiry
	}
	if err := c.s.Set(k, v, ttl); err != nil {
		panic("bench: livedict Set: " + err.Error())
	}
}

func (c *liveDictCache[K, V]) Get(k K) (V, bool) { return c.s.Get(k) }
func (c *liveDictCache[K, V]) Delete(k K)        { c.s.Delete(k) }
func (c *liveDictCache[K, V]) Close()            { c.s.Close() }
