package livedict

import (
	"context"
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/store"
)

// Errors of the bucket registry.
var (
	// ErrTooManyBuckets is returned by DefineBucket, and by every write to
	// the view Bucket returns, when the store already has MaxBuckets
	// buckets. Dropping a bucket (Store.DropBucket) makes room.
	ErrTooManyBuckets = errors.New("livedict: too many buckets")
	// ErrBucketDropped is returned by writes through a view of a bucket
	// that Store.DropBucket has dropped; Bucket(name) gives a new, empty
	// bucket of that name.
	ErrBucketDropped = errors.New("livedict: bucket dropped")
)

// MaxBuckets is the most buckets a store holds at once, the default bucket
// included (2^26 - 1): bucket ids share a word of each entry with eviction
// state and two flags (an entry with extras, a write given up).
const MaxBuckets = 1<<(32-bucketShift) - 1

// overflowID is the id of the views Bucket returns past MaxBuckets; no
// entry ever carries it, since their writes fail.
const overflowID = MaxBuckets

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
	// refreshAfter and negativeTTL in nanoseconds: 0 = the store's,
	// Disabled = off (refresh.go, negative.go).
	refreshAfter atomic.Int64
	negativeTTL  atomic.Int64

	// err, when set, fails every write to the bucket: ErrTooManyBuckets
	// for an overflow view, ErrBucketDropped once dropped.
	err atomic.Pointer[error]

	// count of entries, kept for named buckets only: the default bucket's
	// inserts stay free of a shared counter, and its Len is derived.
	count atomic.Int64

	// weight of the entries and its bound (weight.go), kept for named
	// buckets of a store with a Weigher, as count is.
	weight    atomic.Int64
	maxWeight atomic.Int64 // 0 = no bound of its own
}

// failure returns the error every write to b fails with, or nil.
func (b *bucketState) failure() error {
	if p := b.err.Load(); p != nil {
		return *p
	}
	return nil
}

// The registry's table of ids is segmented: segment k holds segBase<<k
// slots, so ids never move once published, creating a bucket costs O(1)
// (a new segment, twice the size of the last, every time the table
// fills), and a lookup by id is two atomic loads, without a lock.
const (
	segBase  = 64
	segCount = 23 // segBase * (2^segCount - 1) > MaxBuckets
)

// segOf returns the segment and offset of id.
func segOf(id uint32) (seg, off int) {
	q := uint64(id)/segBase + 1
	seg = bits.Len64(q) - 1
	return seg, int(uint64(id) - segBase*((uint64(1)<<seg)-1))
}

// buckets is the store's registry. Lookups by id and by name are
// lock-free; creation and dropping take the mutex.
type buckets struct {
	defMode uint32 // persistence of buckets with PersistDefault, set before use
	mu      sync.Mutex
	byName  sync.Map // name → *bucketState
	segs    [segCount]atomic.Pointer[[]atomic.Pointer[bucketState]]
	next    atomic.Uint32 // ids below it have been handed out
	free    []uint32      // dropped ids ready for reuse; mu held
	// dropping holds buckets dropped whose ids are not free yet; mu held.
	dropping []*bucketState
	// max is MaxBuckets unless a test lowers it; 0 means MaxBuckets.
	max uint32
}

func (r *buckets) limit() uint32 {
	if r.max != 0 {
		return r.max
	}
	return MaxBuckets
}

func (r *buckets) init(defMode uint32) {
	r.defMode = defMode
	root := &bucketState{}
	root.pmode.Store(defMode)
	r.publish(root)
	r.next.Store(1)
	r.byName.Store("", root)
}

// publish stores b in its id's slot, making the segment first if needed;
// r.mu is held (or the registry is not shared yet).
func (r *buckets) publish(b *bucketState) {
	seg, off := segOf(b.id)
	s := r.segs[seg].Load()
	if s == nil {
		ns := make([]atomic.Pointer[bucketState], segBase<<seg)
		s = &ns
		r.segs[seg].Store(s)
	}
	(*s)[off].Store(b)
}

// byID returns the bucket with id, nil for an id not in use.
func (r *buckets) byID(id uint32) *bucketState {
	seg, off := segOf(id)
	if s := r.segs[seg].Load(); s != nil {
		return (*s)[off].Load()
	}
	return nil
}

// each calls fn for every registered bucket, the default one first, until
// fn returns false. Buckets created or dropped meanwhile may or may not be
// seen.
func (r *buckets) each(fn func(*bucketState) bool) {
	n := r.next.Load()
	for id := uint32(0); id < n; id++ {
		if b := r.byID(id); b != nil && b.failure() == nil && !fn(b) {
			return
		}
	}
}

// get returns the named bucket, creating it with opts when it is new. With
// redefine, an existing bucket takes opts. Past MaxBuckets it returns an
// unregistered bucket whose writes fail with ErrTooManyBuckets, and the
// error.
func (r *buckets) get(name string, opts BucketOptions, redefine bool) (*bucketState, error) {
	if b, ok := r.byName.Load(name); ok && !redefine {
		return b.(*bucketState), nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.byName.Load(name); ok {
		bs := b.(*bucketState)
		if redefine {
			r.configure(bs, opts)
		}
		return bs, nil
	}
	var id uint32
	switch {
	case len(r.free) > 0:
		id = r.free[len(r.free)-1]
		r.free = r.free[:len(r.free)-1]
	case r.next.Load() < r.limit():
		id = r.next.Load()
	default:
		bs := &bucketState{id: overflowID, name: name}
		err := ErrTooManyBuckets
		bs.err.Store(&err)
		return bs, err
	}
	bs := &bucketState{id: id, name: name, salt: bucketSalt(id)}
	r.configure(bs, opts)
	r.publish(bs)
	if id == r.next.Load() {
		r.next.Store(id + 1)
	}
	r.byName.Store(name, bs)
	return bs, nil
}

func (r *buckets) configure(b *bucketState, o BucketOptions) {
	b.defaultTTL.Store(int64(o.DefaultTTL))
	b.maxKeys.Store(int64(o.MaxKeys))
	b.maxWeight.Store(o.MaxWeight)
	m := r.defMode
	if o.Persistence != PersistDefault && r.defMode != pmNone {
		m = modeOf(o.Persistence)
	}
	b.pmode.Store(m)
	b.sealed.Store(o.Sealed)
	b.refreshAfter.Store(int64(o.RefreshAfter))
	b.negativeTTL.Store(int64(o.NegativeTTL))
}

func (c *core[K, V]) bucketName(id uint32) string {
	if id == 0 {
		return ""
	}
	if b := c.buckets.byID(id); b != nil {
		return b.name
	}
	return ""
}

// persistedBuckets returns every bucket Warm, Rotate and Clear cover: the
// registered ones whose persistence is not PersistNone, and every bucket
// the backend lists (store.BucketLister, found through the layers, which
// do not rename buckets) that is not registered yet, registered now with
// the store's defaults. A backend without BucketLister adds nothing. A
// listed bucket past MaxBuckets is left out with ErrTooManyBuckets.
func (c *core[K, V]) persistedBuckets(ctx context.Context) ([]*bucketState, error) {
	var out []*bucketState
	seen := make(map[string]bool)
	c.buckets.each(func(b *bucketState) bool {
		seen[b.name] = true
		if b.pmode.Load() != pmNone {
			out = append(out, b)
		}
		return true
	})
	if c.pst == nil {
		return out, nil
	}
	l, ok := store.As[store.BucketLister](c.pst.pipe)
	if !ok {
		return out, nil
	}
	var errs []error
	err := guard("the backend's Buckets", func() error {
		for name, err := range l.Buckets(ctx) {
			if err != nil {
				return err
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			b, err := c.buckets.get(name, BucketOptions{}, false)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if b.pmode.Load() != pmNone {
				out = append(out, b)
			}
		}
		return nil
	})
	if err != nil {
		return out, &PersistError{Op: "list buckets", Err: err}
	}
	return out, errors.Join(errs...)
}

// ttlFor resolves a requested TTL for bucket b into a deadline offset from
// now: 0 means no deadline. KeepTTL resolves as DefaultTTL here; the write
// path substitutes the replaced entry's deadline when there is one. A
// write to a dropped or overflow bucket fails here, before any work.
func (c *core[K, V]) ttlFor(b *bucketState, ttl time.Duration) (time.Duration, error) {
	if err := b.failure(); err != nil {
		return 0, err
	}
	switch {
	case ttl > MaxTTL:
		return 0, ErrInvalidTTL // past it, now+ttl could overflow the deadline
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
