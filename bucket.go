package livedict

import (
	"sync"
	"sync/atomic"
	"time"
)

// bucketState is one namespace. Its id is stored in each entry; its salt
// separates its keys' hashes from other buckets'.
type bucketState struct {
	id   uint32
	name string
	salt uint64

	// Options, changeable through DefineBucket while the store runs.
	defaultTTL atomic.Int64  // nanoseconds; 0 = store default, -1 = none
	maxKeys    atomic.Int64  // 0 = no bound of its own
	pmode      atomic.Uint32 // pmNone, pmBehind or pmThrough (persist.go)
	sealed     atomic.Bool   // values are sealed in memory (sealed.go)

	// count of entries, kept for named buckets only: the default bucket's
	// inserts stay free of a shared counter, and its Len is derived.
	count atomic.Int64
}

// buckets is the store's registry. Lookups by id are lock-free through a
// copy-on-write slice; creation takes the mutex.
type buckets struct {
	defMode uint32 // persistence of buckets with PersistDefault, set before use
	mu      sync.Mutex
	byName  sync.Map // name → *bucketState
	list    atomic.Pointer[[]*bucketState]
}

const maxBuckets = 1 << (32 - bucketShift) // ids share entry.Aux with eviction state

func (r *buckets) init(defMode uint32) {
	r.defMode = defMode
	root := &bucketState{}
	root.pmode.Store(defMode)
	list := []*bucketState{root}
	r.list.Store(&list)
	r.byName.Store("", root)
}

func (r *buckets) byID(id uint32) *bucketState { return (*r.list.Load())[id] }

// get returns the named bucket, creating it with opts when it is new. With
// redefine, an existing bucket takes opts.
func (r *buckets) get(name string, opts BucketOptions, redefine bool) *bucketState {
	if b, ok := r.byName.Load(name); ok && !redefine {
		return b.(*bucketState)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.byName.Load(name); ok {
		bs := b.(*bucketState)
		if redefine {
			r.configure(bs, opts)
		}
		return bs
	}
	cur := *r.list.Load()
	if len(cur) >= maxBuckets {
		return nil
	}
	bs := &bucketState{id: uint32(len(cur)), name: name}
	bs.salt = bucketSalt(bs.id)
	r.configure(bs, opts)
	next := append(cur[:len(cur):len(cur)], bs)
	r.list.Store(&next)
	r.byName.Store(name, bs)
	return bs
}

func (r *buckets) configure(b *bucketState, o BucketOptions) {
	b.defaultTTL.Store(int64(o.DefaultTTL))
	b.maxKeys.Store(int64(o.MaxKeys))
	m := r.defMode
	if o.Persistence != PersistDefault && r.defMode != pmNone {
		m = modeOf(o.Persistence)
	}
	b.pmode.Store(m)
	b.sealed.Store(o.Sealed)
}

func (c *core[K, V]) bucketName(id uint32) string {
	if id == 0 {
		return ""
	}
	return c.buckets.byID(id).name
}

// ttlFor resolves a requested TTL for bucket b into a deadline offset from
// now: 0 means no deadline. KeepTTL resolves as DefaultTTL here; the write
// path substitutes the replaced entry's deadline when there is one.
func (c *core[K, V]) ttlFor(b *bucketState, ttl time.Duration) (time.Duration, error) {
	switch {
	case ttl > 0:
		return ttl, nil
	case ttl == NoExpiry:
		return 0, nil
	case ttl == DefaultTTL || ttl == KeepTTL:
		switch d := time.Duration(b.defaultTTL.Load()); {
		case d > 0:
			return d, nil
		case d == NoExpiry:
			return 0, nil
		}
		return c.defaultTTL, nil
	}
	return 0, ErrInvalidTTL
}
