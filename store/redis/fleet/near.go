package fleet

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict"
)

// nearEntry is what the near cache holds for a key: the value (or its
// absence: a read that found nothing is cached too) and the deadline, on
// the Map's clock, after which it is not served: the earlier of the fill
// time plus MaxStaleness and of Redis's own expiry.
type nearEntry[V any] struct {
	v        V
	found    bool
	deadline int64
}

// nStripes is the number of invalidation stripes. A stripe's generation
// counts the invalidations of the storage names hashing to it; a fill is
// inserted only if its stripe's generation did not move since before its
// Redis read, so 256 stripes keep the chance that an unrelated
// invalidation discards a fill small.
const nStripes = 256

// stripe guards the names hashing to it. gen is written under mu and read
// without it when a fill starts; index maps the storage names of the
// near-cache entries of this stripe to their keys, since an invalidation
// carries only the storage name.
type stripe[K comparable] struct {
	mu    sync.Mutex
	gen   atomic.Uint64
	index map[string]K
	_     [64]byte
}

// near is the near cache and the state that keeps it coherent.
type near[K comparable, V any] struct {
	store   *livedict.Store[K, nearEntry[V]]
	view    *livedict.View[K, nearEntry[V]]
	stripes []stripe[K]
	seed    maphash.Seed
	// epoch moves on every flush of the whole cache and whenever a
	// tracker's stream (re)starts: a fill that saw another epoch is
	// dropped.
	epoch    atomic.Uint64
	maxIndex int // a stripe's index is swept when it grows past this
}

func newNear[K comparable, V any](size int) (*near[K, V], error) {
	s, err := livedict.New(&livedict.Options[K, nearEntry[V]]{
		MaxKeys:   size,
		Policy:    livedict.Evict,
		ReadStats: true,
	})
	if err != nil {
		return nil, err
	}
	n := &near[K, V]{
		store:    s,
		view:     s.Bucket(""),
		stripes:  make([]stripe[K], nStripes),
		seed:     maphash.MakeSeed(),
		maxIndex: 2*size/nStripes + 16,
	}
	for i := range n.stripes {
		n.stripes[i].index = make(map[string]K)
	}
	return n, nil
}

func (n *near[K, V]) stripe(sname string) *stripe[K] {
	return &n.stripes[maphash.String(n.seed, sname)&(nStripes-1)]
}

// ticket is what a fill or write records before its Redis call.
type ticket struct {
	gen, epoch uint64
}

func (n *near[K, V]) ticket(st *stripe[K]) ticket {
	// epoch first: a flush moves epoch and then clears each stripe under
	// its lock, so a ticket taken between the two still fails on epoch.
	e := n.epoch.Load()
	return ticket{gen: st.gen.Load(), epoch: e}
}

// insert stores e under key if no invalidation of its stripe and no flush
// came after t was taken and ok() (the lease check) holds, all under the
// stripe lock, so an invalidation is either seen here or comes after the
// insert and removes it. It reports whether it inserted.
func (n *near[K, V]) insert(st *stripe[K], t ticket, sname string, key K, e nearEntry[V], ttl time.Duration, ok func() bool) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if ttl <= 0 || st.gen.Load() != t.gen || n.epoch.Load() != t.epoch || !ok() {
		return false
	}
	if n.view.Set(key, e, ttl) != nil {
		return false
	}
	if _, had := st.index[sname]; !had && len(st.index) >= n.maxIndex {
		n.sweep(st)
	}
	st.index[sname] = key
	return true
}

// sweep drops index entries whose near-cache entry is gone (evicted or
// expired), so the index stays within a small multiple of the cache. It
// runs under st.mu.
func (n *near[K, V]) sweep(st *stripe[K]) {
	for sname, key := range st.index {
		if !n.view.Has(key) {
			delete(st.index, sname)
		}
	}
}

// invalidate drops sname's entry and moves its stripe's generation.
func (n *near[K, V]) invalidate(sname string) {
	st := n.stripe(sname)
	st.mu.Lock()
	st.gen.Add(1)
	if key, ok := st.index[sname]; ok {
		delete(st.index, sname)
		n.view.Delete(key)
	}
	st.mu.Unlock()
}

// flush drops every entry and moves the epoch.
func (n *near[K, V]) flush() {
	n.epoch.Add(1)
	for i := range n.stripes {
		st := &n.stripes[i]
		st.mu.Lock()
		st.gen.Add(1)
		for _, key := range st.index {
			n.view.Delete(key)
		}
		clear(st.index)
		st.mu.Unlock()
	}
}
