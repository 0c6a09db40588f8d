package livedict

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/livedict/livedict/store"
)

// Store is a typed, sharded, in-memory key-value store with per-entry
// expiry, hooks, buckets and limits. Create it with New and Close it when
// done. Its methods are safe for concurrent use.
//
// A Store is also the view of its default bucket, "": Set, Get, Delete,
// Len, Clear and the rest act on that bucket; Bucket returns the views of
// others. The methods that cover every bucket have names of their own:
// LenAll, ClearAll, WarmAll, Flush, Stats. The default bucket's view is
// embedded under an unexported name, so it cannot be reassigned.
type Store[K comparable, V any] struct {
	*defaultView[K, V]
	closeOnce sync.Once
}

// defaultView names the embedded view of the default bucket without
// exporting the field.
type defaultView[K comparable, V any] = View[K, V]

// New creates a store and starts its reaper goroutine. Nil opts means the
// defaults documented on Options. An invalid option returns an error that
// names the field and matches ErrInvalidOption.
func New[K comparable, V any](opts *Options[K, V]) (*Store[K, V], error) {
	if opts == nil {
		opts = &Options[K, V]{}
	}
	if err := opts.validate(); err != nil {
		if opts.Persist != nil {
			closeBackend(opts.Persist.Backend)
		}
		return nil, err
	}
	var pcfg Persist[K, V]
	if opts.Persist != nil {
		var err error
		if pcfg, err = opts.Persist.withDefaults(); err != nil {
			closeBackend(opts.Persist.Backend)
			return nil, err
		}
	}
	n := opts.shardCount()
	c := &core[K, V]{
		hash:       hasher[K](),
		shards:     make([]shard[K, V], n),
		shift:      uint(64 - bits.TrailingZeros(uint(n))),
		evict:      opts.Policy == Evict,
		readStats:  opts.ReadStats,
		reads:      newReadStripes(),
		defaultTTL: opts.DefaultTTL,
		maxKeys:    int64(opts.MaxKeys),
		limitTotal: opts.Policy == Reject && opts.MaxKeys > 0,
		requireBkt: opts.RequireBucket,
		loader:     opts.Loader,
		lo:         newLoading(opts),
		hooks: hooks[K, V]{
			onAccess: opts.OnAccess,
			onExpire: opts.OnExpire,
			onEvict:  opts.OnEvict,
			onDelete: opts.OnDelete,
			onPanic:  opts.OnHookPanic,
		},
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.table.Store(newTable[K, V](minBuckets))
		sh.nextDue.Store(math.MaxInt64)
		if c.evict && opts.MaxKeys > 0 {
			share := opts.MaxKeys / n
			if i < opts.MaxKeys%n {
				share++
			}
			sh.q.init(share)
		}
	}
	c.initWeight(opts, n)
	c.clock.base = time.Now()
	c.clock.kick = c.reaper.kick
	defMode := pmNone
	if opts.Persist != nil {
		p, err := newPersister(c, pcfg, n) // closes the pipeline when it fails
		if err != nil {
			return nil, err
		}
		c.pst = p
		defMode = modeOf(pcfg.Mode)
	}
	var sealCfg *Persist[K, V]
	if opts.Persist != nil {
		sealCfg = &pcfg
	}
	seal, err := newSealer(c, opts, sealCfg)
	if err != nil {
		if c.pst != nil {
			_ = guard("Close", c.pst.pipe.Close)
		}
		return nil, err
	}
	c.seal = seal
	c.buckets.init(defMode)
	names := make([]string, 0, len(opts.Buckets))
	for name := range opts.Buckets {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, err := c.buckets.get(name, opts.Buckets[name], true); err != nil {
			return nil, err // more than MaxBuckets declared
		}
	}
	if len(opts.OnSet) > 0 {
		ls := make([]*listener[K, V], len(opts.OnSet))
		for i, fn := range opts.OnSet {
			ls[i] = &listener[K, V]{fn: fn}
		}
		c.listeners.Store(&ls)
	}
	c.reaper.init(n, opts.OnExpire != nil || opts.OnDelete != nil)
	go c.run()
	if c.pst != nil {
		c.pst.eng.Start()
	}
	return &Store[K, V]{defaultView: &View[K, V]{c: c, b: c.buckets.byID(0)}}, nil
}

// closeBackend closes the backend of a New that failed: the Store owned it
// from the call on (Persist.Backend). Its error has nowhere better to go
// than the error New already returns.
func closeBackend(b store.Stage) {
	if b != nil {
		_ = b.Close()
	}
}

// Bucket returns the view of the named bucket, creating the bucket with
// the store's defaults if it does not exist. "" is the default bucket.
// When the store already holds MaxBuckets buckets, the view it returns
// for a new name holds nothing: its reads miss and its writes fail with
// ErrTooManyBuckets (DefineBucket returns that error itself).
func (s *Store[K, V]) Bucket(name string) *View[K, V] {
	b, _ := s.c.buckets.get(name, BucketOptions{}, false)
	return &View[K, V]{c: s.c, b: b}
}

// DefineBucket creates the named bucket with opts, or gives an existing
// one new options (they apply to later writes), and returns its view.
func (s *Store[K, V]) DefineBucket(name string, opts BucketOptions) (*View[K, V], error) {
	if name == "" {
		return nil, optionErr("DefineBucket", "the default bucket takes the store's options")
	}
	if err := opts.validate(`Buckets["` + name + `"]`); err != nil {
		return nil, err
	}
	if opts.MaxWeight > 0 && s.c.wt.weigher == nil {
		return nil, optionErr(`Buckets["`+name+`"].MaxWeight`, "needs Options.Weigher")
	}
	if opts.Sealed && s.c.seal == nil {
		return nil, optionErr(`Buckets["`+name+`"].Sealed`, "needs a keyring: Options.Keyring, or Options.Persist with a Keyring")
	}
	if s.c.pst == nil && opts.Persistence > PersistNone {
		return nil, optionErr(`Buckets["`+name+`"].Persistence`, "is %v but Options.Persist is not set", opts.Persistence)
	}
	if err := validateBucketLoading(`Buckets["`+name+`"]`, opts, s.c.hasLoader(), s.c.defaultTTL); err != nil {
		return nil, err
	}
	b, err := s.c.buckets.get(name, opts, true)
	if err != nil {
		return nil, err
	}
	return &View[K, V]{c: s.c, b: b}, nil
}

// LenAll returns the number of entries in the whole store, every bucket
// included, counting expired entries not yet reaped. (Len counts the
// default bucket's.)
func (s *Store[K, V]) LenAll() int { return s.c.len() }

// ClearAll removes every entry of every bucket, as View.Clear does for
// one, persisted buckets from the backend too — also the buckets this
// store was never told about that the backend lists (store.BucketLister).
// (Clear clears the default bucket.)
func (s *Store[K, V]) ClearAll() { _ = s.c.clear(context.Background(), nil) }

// ClearAllContext is ClearAll with a context: ctx bounds the wait for a
// drain in progress and, in write-through buckets, for the backend, whose
// error it returns.
func (s *Store[K, V]) ClearAllContext(ctx context.Context) error {
	return s.c.clear(ctx, nil)
}

// Stats returns the store's counters.
func (s *Store[K, V]) Stats() Stats {
	c := s.c
	var st Stats
	st.Hits, st.Misses, st.TokenMisses = c.reads.sum()
	for i := range c.shards {
		ss := &c.shards[i].stats
		st.Sets += ss.sets.Load()
		st.Deletes += ss.deletes.Load()
		st.Expirations += ss.expirations.Load()
		st.Evictions += ss.evictions.Load()
		st.Rejections += ss.rejections.Load()
	}
	st.Entries = c.len()
	st.Refreshes, st.RefreshErrors = c.loads.refreshes.Load(), c.loads.refreshErrors.Load()
	st.Weight = c.weight()
	if p := c.pst; p != nil {
		es := p.eng.Stats()
		st.Persisted = uint64(es.Stored)
		st.PersistErrors = uint64(es.Errors + p.errs.Load())
		st.PersistDropped = uint64(es.Dropped)
		st.PersistPending = es.Pending
		st.PersistLost = es.Lost
	}
	return st
}

// Close stops the reaper and waits for it to finish the expiry hooks it
// has started. A persisting store then stops its flusher, flushes every
// write still queued (bounded by Persist.Timeout) and closes the backend;
// Close returns the first error of those steps, nil when everything
// queued reached the backend. Close is idempotent: later calls return
// nil. Afterwards writes fail with ErrClosed and reads miss. Close must
// not be called from an OnExpire hook, which runs on the reaper itself.
func (s *Store[K, V]) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.c.closed.Store(true)
		close(s.c.reaper.stop)
		<-s.c.reaper.done
		if s.c.pst != nil {
			err = s.c.pst.close()
		}
		s.c.flights.close()
	})
	return err
}

func (c *core[K, V]) len() int {
	n := int64(0)
	for i := range c.shards {
		n += c.shards[i].count.Load()
	}
	return int(n)
}
