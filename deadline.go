package livedict

import (
	"context"
	"errors"
	"time"

	"github.com/livedict/livedict/expiry"
)

// Absolute deadlines: SetUntil, SetOptions.ExpireAt and TouchUntil take
// the time an entry expires instead of a TTL, so a caller holding a
// deadline (a token's expiry, a record's ExpireAt) need not turn it into a
// duration, which would move it by the time between computing the
// duration and the store reading its clock.
//
// The deadline is converted once into store time (nanoseconds since New
// on the store's monotonic clock; clock.go), exactly: View.Deadline then
// returns a time for which Equal(at) holds. A time.Time carrying a
// monotonic reading (from time.Now) is converted on that reading, one
// without (decoded, parsed, built with time.Date or Unix) on the wall
// clock as it is at the call, as a backend's ExpireAt is.

// ErrDeadlinePassed is returned by SetUntil, SetWith with
// SetOptions.ExpireAt and TouchUntilContext for a deadline that is not in
// the future: nothing is stored or changed, and an entry already under
// the key keeps its value and deadline.
var ErrDeadlinePassed = errors.New("livedict: deadline has passed")

// storeTime converts a wall-clock deadline at (not zero) into store time,
// or fails with ErrDeadlinePassed when it is not after now, or with
// ErrInvalidTTL when it is more than MaxTTL away.
func (c *core[K, V]) storeTime(at time.Time) (int64, error) {
	d, now := c.toStore(at), c.clock.now()
	switch {
	case d <= now:
		return 0, ErrDeadlinePassed
	case d-now > int64(MaxTTL):
		return 0, ErrInvalidTTL
	}
	return d, nil
}

// toStore converts a wall-clock time into store time: clock.wall's
// inverse, exact to the nanosecond. time.Time.Sub saturates, so times
// centuries away stay far in the past or future rather than wrapping.
func (c *core[K, V]) toStore(at time.Time) int64 {
	d := at.Sub(c.clock.base)
	if d > time.Duration(1<<63-1-expiry.Tick) {
		return 1<<63 - 1
	}
	return int64(d) + expiry.Tick
}

// restoredDeadline converts an expiry that Warm, Load or a snapshot brings
// back (the zero Time for none) into store time for writeAt: 0 with
// NoExpiry for none, and live false when it has passed. One more than
// MaxTTL away (another writer's) is capped at MaxTTL from now, as the
// package doc says.
func (c *core[K, V]) restoredDeadline(at time.Time) (d int64, live bool) {
	if at.IsZero() {
		return 0, true
	}
	d, now := c.toStore(at), c.clock.now()
	if d <= now {
		return 0, false
	}
	return min(d, now+int64(MaxTTL)), true
}

// SetUntil stores value under key until at, the time it expires: at is
// kept exactly (View.Deadline returns a time equal to it). The zero Time
// means no expiry, as NoExpiry does for Set, so a deadline read with
// View.Deadline or Items can be written back as it is. A time not in the
// future fails with ErrDeadlinePassed, one more than MaxTTL away with
// ErrInvalidTTL; the key is then left as it was. Otherwise SetUntil is
// Set, with its errors.
func (v *View[K, V]) SetUntil(key K, value V, at time.Time) error {
	return v.SetUntilContext(context.Background(), key, value, at)
}

// SetUntilContext is SetUntil with a context, as SetContext is Set.
func (v *View[K, V]) SetUntilContext(ctx context.Context, key K, value V, at time.Time) error {
	return v.setUntil(ctx, key, value, at, nil)
}

func (v *View[K, V]) setUntil(ctx context.Context, key K, value V, at time.Time, ex *entryExtra[K, V]) error {
	if at.IsZero() {
		_, _, err := v.c.write(ctx, v.b, key, value, NoExpiry, ex, modeSet, nil)
		return err
	}
	d, err := v.c.storeTime(at)
	if err != nil {
		return err
	}
	_, _, err = v.c.writeAt(ctx, v.b, key, value, 0, d, ex, modeSet, nil)
	return err
}

// TouchUntil gives a live entry the deadline at (the zero Time: none, as
// Touch with NoExpiry) and reports whether it found one. A time not in the
// future, or more than MaxTTL away, changes nothing and returns false
// (TouchUntilContext says which). An entry guarded by an access token is a
// miss. In a persisted bucket the new deadline reaches the backend too, as
// for Touch.
func (v *View[K, V]) TouchUntil(key K, at time.Time) bool {
	ok, _ := v.TouchUntilContext(context.Background(), key, at)
	return ok
}

// TouchUntilContext is TouchUntil that returns ErrDeadlinePassed or
// ErrInvalidTTL for a deadline it refuses and, in a write-through bucket,
// the backend's error, with ctx bounding the backend call.
func (v *View[K, V]) TouchUntilContext(ctx context.Context, key K, at time.Time) (bool, error) {
	if at.IsZero() {
		return v.c.touch(ctx, v.b, key, NoExpiry, "")
	}
	d, err := v.c.storeTime(at)
	if err != nil {
		return false, err
	}
	return v.c.touchAt(ctx, v.b, key, 0, d, "")
}
