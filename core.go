package livedict

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/expiry"
)

const cacheLine = 64

// core is everything a Store and its bucket views share.
type core[K comparable, V any] struct {
	// Read-mostly fields first: every Get loads these.
	hash   func(K) uint64
	shards []shard[K, V]
	shift  uint // shard index = hash >> shift
	closed atomic.Bool
	evict  bool
	// readStats: count hits and misses (Options.ReadStats)
	readStats bool
	reads     readStripes
	hooks     hooks[K, V]
	buckets   buckets

	clock clock

	defaultTTL time.Duration
	maxKeys    int64
	limitTotal bool         // MaxKeys with the Reject policy: keep total
	total      atomic.Int64 // entries, when limitTotal
	requireBkt bool
	wt         weighing[K, V] // Options.Weigher and MaxWeight (weight.go)

	listenerMu sync.Mutex
	listeners  atomic.Pointer[[]*listener[K, V]]

	reaper reaper[K, V]
	pst    *persister[K, V] // nil: nothing is persisted

	seal *sealer[K, V] // nil: no keyring for Sealed buckets

	loader  func(ctx context.Context, bucket string, key K) (V, time.Duration, error)
	flights flightGroup[K, V] // Load's shared work (load.go)
	loads   loadStats         // Loader calls (observe.go)
	lo      loading[K, V]     // refresh-ahead, negative caching, BulkLoader (refresh.go)

	bulk sync.Pool // *bulkScratch[K, V]: buffers of bulk writes (bulk.go)
}

// shard owns the write side of 1/N of the keys: a lock, the table readers
// walk without it, an expiry wheel and the eviction queues.
type shard[K comparable, V any] struct {
	table atomic.Pointer[table[K, V]]
	_     [cacheLine - 8]byte // readers load table; keep writers' lock off its line

	mu      sync.Mutex
	count   atomic.Int64 // entries in table, written under mu
	nextDue atomic.Int64 // lower bound of the wheel's next due time, for the reaper
	wheel   expiry.Wheel
	q       s3fifo[K, V]
	stats   shardStats
	_       [cacheLine]byte
}

func (c *core[K, V]) shardOf(h uint64) *shard[K, V] { return &c.shards[h>>c.shift] }

func (c *core[K, V]) hashOf(e *entry[K, V]) uint64 {
	return c.hash(e.key) ^ bucketSalt(e.bucket())
}

// unlink removes e from its shard's table, wheel and queue, and from the
// counts. Shard lock held; e must be in the table.
func (c *core[K, V]) unlink(sh *shard[K, V], e *entry[K, V]) {
	h := c.hashOf(e)
	t := sh.table.Load()
	if b, i := t.slotOf(h, e); b != nil {
		b.clear(i)
	}
	// Cancel keeps the deadline: a reader that found e a moment ago must
	// still see it as expired, and the reaper orders hooks by it.
	sh.wheel.Cancel(&e.Node)
	if c.evict {
		sh.q.unlink(e)
	}
	c.countRemoved(sh, e)
}

func (c *core[K, V]) countRemoved(sh *shard[K, V], e *entry[K, V]) {
	sh.count.Add(-1)
	if c.limitTotal {
		c.total.Add(-1)
	}
	if id := e.bucket(); id != 0 {
		c.buckets.byID(id).count.Add(-1)
	}
	c.weightRemoved(sh, e)
}

// maybeGrow doubles the table when it is loaded past loadFactor per bucket.
func (c *core[K, V]) maybeGrow(sh *shard[K, V]) {
	t := sh.table.Load()
	if sh.count.Load() <= int64(len(t.buckets))*loadFactor {
		return
	}
	sh.table.Store(t.grown(c.hashOf))
}

// expired reports whether a deadline d (non-zero) has passed.
func (c *core[K, V]) expired(d int64) bool { return c.clock.passed(d) }

// scheduleDue tells the reaper that a shard's next due time may have moved
// earlier. Called after the shard lock is released.
func (c *core[K, V]) scheduleDue(idx int, due int64) {
	c.reaper.markDirty(idx)
	if due < c.reaper.wakeAt.Load() {
		c.reaper.kick()
	}
}

// dueOf rounds a deadline up to the tick at which the wheel releases it.
func dueOf(d int64) int64 {
	return (d + expiry.Tick - 1) / expiry.Tick * expiry.Tick
}
