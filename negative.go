package livedict

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/internal/writeback"
)

// Negative caching (Options.NegativeTTL) remembers keys a Load found
// nowhere. The answers live beside the table, not in it, so that Get,
// Has, Len, Keys, All, hooks, limits and persistence never meet them and
// the entry keeps its size. Load consults them only after memory missed.
//
// A write of a key forgets its answer (forgetAbsent, called by the write
// path). A load that finds a key absent while a write of it lands must
// not record the answer after the write forgot it: each shard has a
// generation, bumped by every forget, that the load reads before it looks
// anywhere (armAbsent) and that must be unchanged when it records.

const (
	absentShards   = 16
	absentShardCap = 4096 // 64 Ki answers in all: a flood of missing keys stays bounded
)

type absentCache[K comparable] struct {
	// armed is set once any load may record an answer; until then the
	// write path skips the forget (one atomic load per write).
	armed  atomic.Bool
	shards [absentShards]absentShard[K]
}

type absentShard[K comparable] struct {
	mu  sync.Mutex
	gen uint64
	m   map[writeback.Key[K]]absentEntry
}

// absentEntry is one remembered absence. b tells a bucket apart from a
// later one that reuses its id after DropBucket.
type absentEntry struct {
	b        *bucketState
	deadline int64 // store clock
}

func (a *absentCache[K]) shard(h uint64) *absentShard[K] { return &a.shards[h&(absentShards-1)] }

// negativeTTL returns how long b remembers an absence; 0: not at all.
func (c *core[K, V]) negativeTTL(b *bucketState) time.Duration {
	switch d := time.Duration(b.negativeTTL.Load()); {
	case d > 0:
		return d
	case d < 0:
		return 0
	}
	return c.lo.negativeTTL
}

// armAbsent is called by a load before it looks for key: it reports
// whether an absence found may be remembered and, if so, the generation
// rememberAbsent must still see.
func (c *core[K, V]) armAbsent(b *bucketState, key K) (gen uint64, ok bool) {
	if c.negativeTTL(b) <= 0 {
		return 0, false
	}
	a := &c.lo.absent
	if !a.armed.Load() {
		a.armed.Store(true)
	}
	s := a.shard(c.hash(key) ^ b.salt)
	s.mu.Lock()
	gen = s.gen
	s.mu.Unlock()
	return gen, true
}

// rememberAbsent records that key of b exists nowhere, unless a write of
// it came after armAbsent returned gen.
func (c *core[K, V]) rememberAbsent(b *bucketState, key K, gen uint64) {
	ttl := c.negativeTTL(b)
	if ttl <= 0 {
		return
	}
	now := c.clock.now()
	s := c.lo.absent.shard(c.hash(key) ^ b.salt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	if s.m == nil {
		s.m = make(map[writeback.Key[K]]absentEntry)
	}
	k := writeback.Key[K]{Bucket: b.id, Key: key}
	if _, ok := s.m[k]; !ok && len(s.m) >= absentShardCap {
		s.sweep(now)
	}
	s.m[k] = absentEntry{b: b, deadline: now + int64(ttl)}
}

// sweep makes room in a full shard: it drops the expired answers and, if
// that leaves the shard over seven eighths full, arbitrary ones down to
// that, so that a flood of missing keys costs O(1) per answer amortised
// and never more memory than the cap. Lock held.
func (s *absentShard[K]) sweep(now int64) {
	for k, e := range s.m {
		if e.deadline <= now {
			delete(s.m, k)
		}
	}
	for k := range s.m {
		if len(s.m) <= absentShardCap*7/8 {
			break
		}
		delete(s.m, k)
	}
}

// knownAbsent reports whether a Load of key in b may answer ErrNotFound
// from a remembered absence, and counts it in LoadStats.NegativeHits.
func (c *core[K, V]) knownAbsent(b *bucketState, key K) bool {
	a := &c.lo.absent
	if !a.armed.Load() || c.negativeTTL(b) <= 0 {
		return false
	}
	s := a.shard(c.hash(key) ^ b.salt)
	k := writeback.Key[K]{Bucket: b.id, Key: key}
	s.mu.Lock()
	e, ok := s.m[k]
	if ok && (e.b != b || e.deadline <= c.clock.now()) {
		delete(s.m, k)
		ok = false
	}
	s.mu.Unlock()
	if ok {
		c.loads.negativeHits.Add(1)
	}
	return ok
}

// forgetAbsent is the write path's hook: a write of key (hash h, salted,
// in bucket id) ends any remembered absence of it.
func (c *core[K, V]) forgetAbsent(h uint64, bucket uint32, key K) {
	if c.lo.absent.armed.Load() { // inlined: most stores remember no absence
		c.forgetArmed(h, bucket, key)
	}
}

func (c *core[K, V]) forgetArmed(h uint64, bucket uint32, key K) {
	s := c.lo.absent.shard(h)
	s.mu.Lock()
	s.gen++
	if s.m != nil {
		delete(s.m, writeback.Key[K]{Bucket: bucket, Key: key})
	}
	s.mu.Unlock()
}
