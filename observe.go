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

// LoadStats counts the calls Load made to Options.Loader since New. Loads
// answered from memory or from the backend are not Loader calls.
type LoadStats struct {
	Loads      uint64        // Loader calls that returned
	LoadErrors uint64        // of Loads: those that returned an error
	LoadTime   time.Duration // time spent in Loader calls, all added up
}

// LoadEvent describes one Loader call to the observers added with
// Store.AddLoadObserver.
type LoadEvent struct {
	Bucket   string        // the bucket of the key loaded (never the key)
	Duration time.Duration // how long the Loader ran
	Err      error         // what the Loader returned
}

// loadStats is the core's record of Loader calls.
type loadStats struct {
	loads, errors, nanos atomic.Uint64
	mu                   sync.Mutex
	observers            atomic.Pointer[[]*loadObserver]
}

type loadObserver struct{ fn func(LoadEvent) }

// callLoader runs Options.Loader for key of bucket, counting and timing
// the call and telling the observers.
func (c *core[K, V]) callLoader(ctx context.Context, bucket string, key K, loader func(context.Context, string, K) (V, time.Duration, error)) (V, time.Duration, error) {
	start := time.Now()
	val, ttl, err := loader(ctx, bucket, key)
	d := time.Since(start)
	ls := &c.loads
	ls.loads.Add(1)
	if err != nil {
		ls.errors.Add(1)
	}
	ls.nanos.Add(uint64(max(d, 0)))
	if obs := ls.observers.Load(); obs != nil {
		ev := LoadEvent{Bucket: bucket, Duration: d, Err: err}
		for _, o := range *obs {
			c.observe(o, ev)
		}
	}
	return val, ttl, err
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
		Loads:      ls.loads.Load(),
		LoadErrors: ls.errors.Load(),
		LoadTime:   time.Duration(ls.nanos.Load()),
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
