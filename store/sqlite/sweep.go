package sqlite

import (
	"context"
	"fmt"
	"math"
	"time"
)

// defaultSweepBatch is how many expired rows one sweep statement deletes.
// Each statement is a short write transaction of its own, so a sweep of a
// million expired rows never holds the write lock for long.
const defaultSweepBatch = 1000

var (
	minExpiry = time.UnixMilli(1)
	maxExpiry = time.UnixMilli(math.MaxInt64)
)

// toMillis converts an expiry to the expire_at column: 0 for none,
// otherwise Unix milliseconds rounded down, at least 1 (so that an expiry
// at or before the epoch stays an expiry) and at most math.MaxInt64.
func toMillis(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minExpiry):
		return 1
	case t.After(maxExpiry):
		return math.MaxInt64
	}
	return t.UnixMilli()
}

// fromMillis undoes toMillis.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// nowMillis is the bound reads compare expire_at with: a record is visible
// when expire_at = 0 or expire_at > nowMillis(). Because expire_at is the
// expiry rounded down, expire_at > floor(now) implies expiry > now, so a
// record is never returned at or after its expiry (it may vanish up to a
// millisecond early).
func nowMillis() int64 { return time.Now().UnixMilli() }

// Sweep deletes the records that have expired, in statements of 1000 rows,
// each its own short write transaction, and returns how many it deleted.
// Reads never return expired records whether or not they were swept;
// sweeping reclaims their space. The background sweeper
// (Options.SweepInterval) calls Sweep; call it yourself when the sweeper is
// disabled. It returns an error matching store.ErrClosed after Close and
// one matching ctx.Err() when ctx ends, with the count deleted so far.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.sweepStep(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("sqlite: sweep: %w", err)
		}
		if n < s.sweepBatch {
			return total, nil
		}
	}
}

// sweepStep runs one sweep statement.
func (s *Store) sweepStep(ctx context.Context) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.gate.Leave()
	res, err := s.sweep.ExecContext(ctx, nowMillis(), s.sweepBatch)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if s.afterSweepStep != nil {
		s.afterSweepStep(int(n))
	}
	return int(n), nil
}

// startSweeper starts the goroutine that calls Sweep every interval until
// Close.
func (s *Store) startSweeper(every time.Duration, onSweep func(int, error)) {
	ctx, stop := context.WithCancel(context.Background())
	s.sweepStop = stop
	s.sweepDone = make(chan struct{})
	go func() {
		defer close(s.sweepDone)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			n, err := s.Sweep(ctx)
			if ctx.Err() != nil {
				return // stopped by Close: not a sweep failure
			}
			if onSweep != nil {
				onSweep(n, err)
			}
		}
	}()
}

// stopSweeper stops the sweeper goroutine, if any, and waits for it.
func (s *Store) stopSweeper() {
	if s.sweepStop == nil {
		return
	}
	s.sweepStop()
	<-s.sweepDone
}
