package bench

import (
	"fmt"
	"time"
)

// Cache is the small surface every contender is driven through. Adapters are
// thin: one call into the library per method, no extra locking, no extra
// allocation beyond what the library itself needs.
type Cache[K comparable, V any] interface {
	// Name identifies the contender and its configuration, as in the
	// benchmark names ("otter-ttl").
	Name() string
	// Set stores value under key. ttl > 0 asks for expiry after ttl; 0 asks
	// for no expiry. Contenders that fix expiry when they are built (otter,
	// golang-lru) use Config.TTL and ignore ttl; the benchmarks always pass
	// Config.TTL, so every Set asks for what the cache was built with.
	Set(key K, value V, ttl time.Duration)
	// Get returns the value stored under key, if any.
	Get(key K) (V, bool)
	// Delete removes key.
	Delete(key K)
	// Close releases the cache's goroutines, if any.
	Close()
}

// Config says how to build a contender.
type Config struct {
	// Capacity bounds the number of entries; 0 means unbounded, or as large
	// as the library allows (see each adapter).
	Capacity int
	// TTL is the expiry every Set asks for; 0 means entries never expire.
	TTL time.Duration
	// SyncMaintenance asks contenders that run policy maintenance on other
	// goroutines to run it on the caller's instead (otter's Executor), so
	// that a single-goroutine trace replays the same way every time. The
	// hit-ratio harness sets it; the speed benchmarks do not.
	SyncMaintenance bool
}

// Contender is one cache in one configuration.
type Contender[K Key, V any] struct {
	// Name is the benchmark name, "<library>" or "<library>-ttl".
	Name string
	// TTL is the expiry the benchmarks give this contender's writes.
	TTL time.Duration
	// Bounded tells whether the cache can hold a fixed number of entries
	// and evict beyond it (the hit-ratio harness needs that).
	Bounded bool
	// New builds the cache. Capacity comes from the benchmark; TTL is
	// Contender.TTL.
	New func(cfg Config) Cache[K, V]
}

// Build returns a fresh cache of this contender with the given capacity.
func (c Contender[K, V]) Build(capacity int) Cache[K, V] {
	return c.New(Config{Capacity: capacity, TTL: c.TTL})
}

// BuildSync is Build with Config.SyncMaintenance set.
func (c Contender[K, V]) BuildSync(capacity int) Cache[K, V] {
	return c.New(Config{Capacity: capacity, TTL: c.TTL, SyncMaintenance: true})
}

// BenchTTL is the expiry of the "-ttl" contenders: long enough that nothing
// expires during a run, so what is measured is the cost of tracking
// deadlines, not of removing entries.
const BenchTTL = time.Hour

// Contenders returns every cache that supports key type K, the floor first.
//
//	shardmap        64 maps behind sync.RWMutexes (the floor; no expiry, no bound)
//	livedict        LiveDict, writes with NoExpiry
//	livedict-ttl    LiveDict, writes with a TTL of BenchTTL
//	otter           otter v2, no expiry configured
//	otter-ttl       otter v2, ExpiryWriting(BenchTTL)
//	ristretto       ristretto v2, no TTL (writes are asynchronous and may be dropped)
//	ttlcache-ttl    ttlcache v3, TTL BenchTTL, touch-on-hit off, no cleaner goroutine
//	go-cache        patrickmn/go-cache, NoExpiration, no janitor (string keys only)
//	lru-expirable   golang-lru/v2 expirable, TTL off (see newLRUExpirable)
func Contenders[K Key, V any]() []Contender[K, V] {
	cs := []Contender[K, V]{
		{Name: "shardmap", New: NewShardMap[K, V]},
		{Name: "livedict", Bounded: true, New: newLiveDict[K, V]},
		{Name: "livedict-ttl", TTL: BenchTTL, Bounded: true, New: newLiveDict[K, V]},
		{Name: "otter", Bounded: true, New: newOtter[K, V]},
		{Name: "otter-ttl", TTL: BenchTTL, Bounded: true, New: newOtter[K, V]},
		{Name: "ristretto", Bounded: true, New: newRistretto[K, V]},
		{Name: "ttlcache-ttl", TTL: BenchTTL, Bounded: true, New: newTTLCache[K, V]},
	}
	if gc, ok := any(newGoCache[V]).(func(Config) Cache[K, V]); ok {
		cs = append(cs, Contender[K, V]{Name: "go-cache", New: gc})
	}
	cs = append(cs, Contender[K, V]{Name: "lru-expirable", Bounded: true, New: newLRUExpirable[K, V]})
	return cs
}

// ContenderByName returns the contender called name.
func ContenderByName[K Key, V any](name string) (Contender[K, V], error) {
	for _, c := range Contenders[K, V]() {
		if c.Name == name {
			return c, nil
		}
	}
	return Contender[K, V]{}, fmt.Errorf("bench: no contender %q", name)
}

// variantName is the name an adapter reports: the library, with "-ttl" when
// its writes expire.
func variantName(library string, ttl time.Duration) string {
	if ttl > 0 {
		return library + "-ttl"
	}
	return library
}
