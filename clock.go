package livedict

import (
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/expiry"
)

// clock gives the store's time as nanoseconds since New (monotonic), so
// deadlines never move with the wall clock.
//
// Reading the precise clock costs tens of nanoseconds on many machines
// (34 ns on the virtual machine where this was written), more than a whole
// Get. So Get compares deadlines with a cached reading while the deadline
// is more than clockMargin away, and reads the precise clock only when it
// is near. The reaper refreshes the cached reading every clockTick, and
// only while reads are using it: when a tick passes with no read of an
// expiring entry, the cache is switched off (cached = 0) and an idle store
// does no periodic work. A stale read could only be returned if the reaper
// were kept from running for clockMargin, far beyond Go's 10 ms preemption.
type clock struct {
	base   time.Time
	cached atomic.Int64 // 0: off; else a recent now()
	used   atomic.Bool  // a read relied on cached since the last tick
	wanted atomic.Bool  // a read found the cache off and asked the reaper for it
	kick   func()
}

const (
	clockTick   = time.Millisecond
	clockMargin = int64(250 * time.Millisecond)
)

// now reads the precise clock. It starts at one Tick rather than 0, so a
// deadline is never 0 ("no deadline"), and TTLs in whole milliseconds from
// a store's start land on the wheel's tick boundaries.
func (k *clock) now() int64 { return int64(time.Since(k.base)) + expiry.Tick }

// wall converts a store time back to wall-clock time.
func (k *clock) wall(t int64) time.Time { return k.base.Add(time.Duration(t - expiry.Tick)) }

// passed reports whether deadline d has been reached.
func (k *clock) passed(d int64) bool {
	if c := k.cached.Load(); c != 0 {
		if d <= c {
			return true // cached is a lower bound of now
		}
		if d-c > clockMargin {
			if !k.used.Load() {
				k.used.Store(true)
			}
			return false
		}
	} else if !k.wanted.Load() && k.wanted.CompareAndSwap(false, true) {
		k.kick()
	}
	return d <= k.now()
}

// refresh is the reaper's part, called on every pass with the time of the
// next scheduled refresh (0: none); it returns the new one.
func (k *clock) refresh(now, next int64) int64 {
	if k.cached.Load() != 0 {
		if now < next {
			k.cached.Store(now) // an early pass: refresh, keep the schedule
			return next
		}
		if !k.used.Swap(false) {
			k.cached.Store(0) // nobody used it for a whole tick: switch off
			k.wanted.Store(false)
			return 0
		}
		k.cached.Store(now)
		return now + int64(clockTick)
	}
	if k.wanted.Load() {
		k.used.Store(false)
		k.cached.Store(now)
		return now + int64(clockTick)
	}
	return 0
}
