package fleet

import "time"

// A clock returns monotonic nanoseconds since some fixed instant. Leases,
// fill times and MaxStaleness deadlines are read from it; tests inject
// their own through Options.clock.
type clock = func() int64

// monoClock returns a clock reading the monotonic clock: time.Since of an
// instant taken at Open costs one clock read and no allocation.
func monoClock() clock {
	origin := time.Now()
	return func() int64 { return int64(time.Since(origin)) }
}

// zeroTime is the expiry given to Keyring.Seal: none, since the expiry is
// Redis's.
var zeroTime time.Time
