package bench

import (
	"math"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/jellydator/ttlcache/v3"
	"github.com/maypok86/otter/v2"
	gocache "github.com/patrickmn/go-cache"
)

// Waiter is implemented by contenders whose writes are applied
// asynchronously. Wait returns once every write issued before it is visible
// to Get (or was dropped).
type Waiter interface {
	Wait()
}

// --- otter v2 ---

type otterCache[K comparable, V any] struct {
	c    *otter.Cache[K, V]
	name string
}

// newOtter builds otter v2 with its defaults, plus MaximumSize when
// Capacity > 0 and ExpiryWriting(TTL) when TTL > 0. otter fixes expiry per
// cache, so Set's ttl argument is not used. With SyncMaintenance its executor
// runs maintenance on the calling goroutine.
func newOtter[K Key, V any](cfg Config) Cache[K, V] {
	o := &otter.Options[K, V]{MaximumSize: cfg.Capacity}
	if cfg.TTL > 0 {
		o.ExpiryCalculator = otter.ExpiryWriting[K, V](cfg.TTL)
	}
	if cfg.SyncMaintenance {
		o.Executor = func(fn func()) { fn() }
	}
	return &otterCache[K, V]{c: otter.Must(o), name: variantName("otter", cfg.TTL)}
}

func (c *otterCache[K, V]) Name() string                  { return c.name }
func (c *otterCache[K, V]) Set(k K, v V, _ time.Duration) { c.c.Set(k, v) }
func (c *otterCache[K, V]) Get(k K) (V, bool)             { return c.c.GetIfPresent(k) }
func (c *otterCache[K, V]) Delete(k K)                    { c.c.Invalidate(k) }
func (c *otterCache[K, V]) Close()                        { c.c.StopAllGoroutines() }

// --- ristretto v2 ---

type ristrettoCache[K Key, V any] struct {
	c    *ristretto.Cache[K, V]
	name string
}

// ristrettoUnboundedCounters sizes the admission sketch of an unbounded
// ristretto for the benchmarks' million-key sets (ristretto's advice is ten
// counters per expected entry).
const ristrettoUnboundedCounters = 10 << 20

// newRistretto builds ristretto v2 with every entry costing 1, so MaxCost is
// an entry count. Capacity 0 gives a MaxCost no benchmark reaches.
//
// ristretto's Set is asynchronous: it hands the entry to a buffered channel
// that one goroutine applies, and drops the write when the channel is full;
// the admission policy may also refuse it once the cache is full. Its Set
// numbers are therefore the cost of enqueueing, not of storing, and a Get
// right after a Set may miss. The benchmarks' prefill calls Wait every few
// thousand writes and sets again what was dropped.
func newRistretto[K Key, V any](cfg Config) Cache[K, V] {
	maxCost, counters := int64(math.MaxInt64/2), int64(ristrettoUnboundedCounters)
	if cfg.Capacity > 0 {
		maxCost, counters = int64(cfg.Capacity), 10*int64(cfg.Capacity)
	}
	c, err := ristretto.NewCache(&ristretto.Config[K, V]{
		NumCounters:        counters,
		MaxCost:            maxCost,
		BufferItems:        64, // the value ristretto's documentation recommends
		IgnoreInternalCost: true,
	})
	if err != nil {
		panic("bench: ristretto: " + err.Error())
	}
	return &ristrettoCache[K, V]{c: c, name: variantName("ristretto", cfg.TTL)}
}

func (c *ristrettoCache[K, V]) Name() string                    { return c.name }
func (c *ristrettoCache[K, V]) Set(k K, v V, ttl time.Duration) { c.c.SetWithTTL(k, v, 1, ttl) }
func (c *ristrettoCache[K, V]) Get(k K) (V, bool)               { return c.c.Get(k) }
func (c *ristrettoCache[K, V]) Delete(k K)                      { c.c.Del(k) }
func (c *ristrettoCache[K, V]) Close()                          { c.c.Close() }
func (c *ristrettoCache[K, V]) Wait()                           { c.c.Wait() }

// --- ttlcache v3 ---

type ttlCache[K comparable, V any] struct {
	c    *ttlcache.Cache[K, V]
	name string
}

// newTTLCache builds ttlcache v3 with touch-on-hit disabled (a hit would
// otherwise push the entry's deadline back, a write under the cache's single
// lock) and WithCapacity when Capacity > 0. Its cleaner goroutine is not
// started: Get already hides expired entries, and the benchmarks' TTL is
// longer than any run. Close calls Stop anyway, which is a no-op then.
func newTTLCache[K Key, V any](cfg Config) Cache[K, V] {
	opts := []ttlcache.Option[K, V]{ttlcache.WithDisableTouchOnHit[K, V]()}
	if cfg.Capacity > 0 {
		opts = append(opts, ttlcache.WithCapacity[K, V](uint64(cfg.Capacity)))
	}
	return &ttlCache[K, V]{c: ttlcache.New(opts...), name: variantName("ttlcache", cfg.TTL)}
}

func (c *ttlCache[K, V]) Name() string { return c.name }

func (c *ttlCache[K, V]) Set(k K, v V, ttl time.Duration) {
	if ttl <= 0 {
		ttl = ttlcache.NoTTL
	}
	c.c.Set(k, v, ttl)
}

func (c *ttlCache[K, V]) Get(k K) (V, bool) {
	it := c.c.Get(k)
	if it == nil {
		var zero V
		return zero, false
	}
	return it.Value(), true
}

func (c *ttlCache[K, V]) Delete(k K) { c.c.Delete(k) }
func (c *ttlCache[K, V]) Close()     { c.c.Stop() }

// --- patrickmn/go-cache ---

type goCache[V any] struct {
	c *gocache.Cache
}

// newGoCache builds go-cache with NoExpiration as its default and no janitor
// goroutine (cleanup interval 0). go-cache keys are strings only and values
// are interface{}, so every Set of a non-pointer value boxes it (one
// allocation) and every Get type-asserts. It has no capacity bound; Capacity
// is ignored.
func newGoCache[V any](cfg Config) Cache[string, V] {
	return &goCache[V]{c: gocache.New(gocache.NoExpiration, 0)}
}

func (c *goCache[V]) Name() string { return "go-cache" }

func (c *goCache[V]) Set(k string, v V, ttl time.Duration) {
	if ttl <= 0 {
		ttl = gocache.NoExpiration
	}
	c.c.Set(k, v, ttl)
}

func (c *goCache[V]) Get(k string) (V, bool) {
	x, ok := c.c.Get(k)
	if !ok {
		var zero V
		return zero, false
	}
	return x.(V), true
}

func (c *goCache[V]) Delete(k string) { c.c.Delete(k) }
func (c *goCache[V]) Close()          {}

// --- hashicorp/golang-lru/v2 expirable ---

type lruExpirable[K comparable, V any] struct {
	c    *expirable.LRU[K, V]
	name string
}

// newLRUExpirable builds golang-lru/v2's expirable LRU. It needs a size;
// Capacity 0 gives math.MaxInt, which it never reaches (it does not
// preallocate). Its TTL is per cache, so Set's ttl is not used. With a TTL
// > 0, v2.0.7 starts a cleanup goroutine that nothing can stop, so the
// contender list builds it with TTL 0: entries then get a ten-year deadline
// and still go through the expiry bookkeeping (bucket maps) on every write.
func newLRUExpirable[K Key, V any](cfg Config) Cache[K, V] {
	size := cfg.Capacity
	if size <= 0 {
		size = math.MaxInt
	}
	return &lruExpirable[K, V]{
		c:    expirable.NewLRU[K, V](size, nil, cfg.TTL),
		name: variantName("lru-expirable", cfg.TTL),
	}
}

func (c *lruExpirable[K, V]) Name() string                  { return c.name }
func (c *lruExpirable[K, V]) Set(k K, v V, _ time.Duration) { c.c.Add(k, v) }
func (c *lruExpirable[K, V]) Get(k K) (V, bool)             { return c.c.Get(k) }
func (c *lruExpirable[K, V]) Delete(k K)                    { c.c.Remove(k) }
func (c *lruExpirable[K, V]) Close()                        {}
