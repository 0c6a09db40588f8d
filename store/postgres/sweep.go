package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Sweep deletes the records that have expired by the client's clock, in
// statements of Options.SweepBatch rows, each a short transaction of its
// own, and returns how many it deleted. Rows that another transaction
// holds locked are skipped and left for the next sweep. Reads never return
// expired records whether or not they were swept; sweeping reclaims their
// space. The background sweeper (Options.SweepInterval) calls Sweep; call
// it yourself when the sweeper is disabled. It returns an error matching
// store.ErrClosed after Close and one matching ctx.Err() when ctx ends,
// with the count deleted so far.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.sweepStep(ctx)
		total += n
		if err != nil {
			return total, fmt.Errorf("postgres: sweep: %w", err)
		}
		if n < s.sweepBatch {
			return total, nil
		}
	}
}

// sweepStep runs one sweep statement.
func (s *Store) sweepStep(ctx context.Context) (int, error) {
	if err := s.gate.Enter(ctx); err != nil {
		return 0, err
	}
	defer s.gate.Leave()
	var n int64
	err := s.withConn(ctx, func(c *pgxpool.Conn) error {
		tag, err := c.Exec(ctx, s.q.sweep, s.nowParam(), s.sweepBatch)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// startSweeper starts the goroutine that calls Sweep every interval until
// Close.
func (s *Store) startSweeper(onSweep func(int, error)) {
	ctx, stop := context.WithCancel(context.Background())
	s.sweepStop = stop
	s.sweepDone = make(chan struct{})
	go func() {
		defer close(s.sweepDone)
		tick := time.NewTicker(s.sweepEvery)
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
