package livedict

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// This file holds what a metrics exporter (such as the otel module) needs
// beyond Stats: counts and timings of Options.Loader calls (the buckets'
// names come from Store.Buckets). None of it is on the Get path.

// LoadStats counts the calls Load and LoadMany made to Options.Loader and
// Options.BulkLoader since New (a BulkLoader call counts once). Loads
// answered from memory or from the backend are not Loader calls.
type LoadStats struct {
	Loads      uint64        // Loader calls that returned
	LoadErrors uint64        // of Loads: those that returned an error
	LoadTime   time.Duration // time spent in Loader calls, all added up

	// Refreshes counts, of Loads, the background reloads of refresh-ahead
	// (Options.RefreshAfter); RefreshErrors those of them that failed,
	// after which the stale entry stays until its deadline.
	Refreshes     uint64
	RefreshErrors uint64
	// NegativeHits counts the Loads answered ErrNotFound from a
	// remembered absence (Options.NegativeTTL), without a Loader call.
	NegativeHits uint64
}

// LoadEvent describes one Loader call to the observers added with
// Store.AddLoadObserver.
type LoadEvent struct {
	Bucket   string        // the bucket of the key loaded (never the key)
	Duration time.Duration // how long the Loader ran
	Err      error         // what the Loader returned
	Refresh  bool          // a background reload (Options.RefreshAfter)
	Bulk     int           // a BulkLoader call: the number of keys asked for; 0 for Loader
}

// loadStats is the core's record of Loader calls.
type loadStats struct {
	loads, errors, nanos atomic.Uint64
	refreshes            atomic.Uint64
	refreshErrors        atomic.Uint64
	negativeHits         atomic.Uint64
	mu                   sync.Mutex
	observers            atomic.Pointer[[]*loadObserver]
}

type loadObserver struct{ fn func(LoadEvent) }

// callLoader runs Options.Loader for key of bucket, counting and timing
// the call and telling the observers; refresh marks a background reload.
func (c *core[K, V]) callLoader(ctx context.Context, bucket string, key K, refresh bool) (V, time.Duration, error) {
	start := time.Now()
	val, ttl, err := c.loader(ctx, bucket, key)
	c.loaded(LoadEvent{Bucket: bucket, Duration: time.Since(start), Err: err, Refresh: refresh})
	return val, ttl, err
}

// callBulk runs Options.BulkLoader for keys of bucket, as callLoader does
// Loader.
func (c *core[K, V]) callBulk(ctx context.Context, bucket string, keys []K, refresh bool) (map[K]V, time.Duration, error) {
	start := time.Now()
	vals, ttl, err := c.lo.bulk(ctx, bucket, keys)
	c.loaded(LoadEvent{Bucket: bucket, Duration: time.Since(start), Err: err, Refresh: refresh, Bulk: len(keys)})
	return vals, ttl, err
}

// loaded counts one call of a loader and tells the observers.
func (c *core[K, V]) loaded(ev LoadEvent) {
	ls := &c.loads
	ls.loads.Add(1)
	if ev.Err != nil {
		ls.errors.Add(1)
	}
	if ev.Refresh {
		ls.refreshes.Add(1)
		if ev.Err != nil {
			ls.refreshErrors.Add(1)
		}
	}
	ls.nanos.Add(uint64(max(ev.Duration, 0)))
	if obs := ls.observers.Load(); obs != nil {
		for _, o := range *obs {
			c.observe(o, ev)
		}
	}
}

// observe runs one observer; a panic is recovered and reported as a
// panicking hook ("OnLoad"), so that it never fails the Load.
func (c *core[K, V]) observe(o *loadObserver, ev LoadEvent) {
	defer func() {
		if r := recover(); r != nil {
			c.hookPanicked("OnLoad", r)
		}
	}()
	o.fn(ev)
}

// LoadStats returns the counts of Options.Loader calls.
func (s *Store[K, V]) LoadStats() LoadStats {
	ls := &s.c.loads
	return LoadStats{
		Loads:         ls.loads.Load(),
		LoadErrors:    ls.errors.Load(),
		LoadTime:      time.Duration(ls.nanos.Load()),
		Refreshes:     ls.refreshes.Load(),
		RefreshErrors: ls.refreshErrors.Load(),
		NegativeHits:  ls.negativeHits.Load(),
	}
}

// AddLoadObserver adds fn, called after every Options.Loader call with
// its bucket, duration and error, and returns a function that removes it.
// fn runs on the goroutine that ran the Loader, before the loaded value is
// stored and returned, so it must be quick; a panic in fn is recovered and
// reported to Options.OnHookPanic as hook "OnLoad".
func (s *Store[K, V]) AddLoadObserver(fn func(LoadEvent)) (remove func()) {
	ls := &s.c.loads
	o := &loadObserver{fn: fn}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var next []*loadObserver
	if cur := ls.observers.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, o)
	ls.observers.Store(&next)
	var once sync.Once
	return func() {
		once.Do(func() {
			ls.mu.Lock()
			defer ls.mu.Unlock()
			cur := *ls.observers.Load()
			next := make([]*loadObserver, 0, len(cur))
			for _, x := range cur {
				if x != o {
					next = append(next, x)
				}
			}
			ls.observers.Store(&next)
		})
	}
}
