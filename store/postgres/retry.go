package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maxAttempts is how many times an operation runs when its connection is
// lost under it (the server restarted, an operator ran
// pg_terminate_backend, a proxy dropped it) or PostgreSQL aborted its
// transaction to break a deadlock or a serialization conflict. Each
// attempt takes a connection from the pool afresh, and the pool replaces
// the dead one, so one lost connection never fails a call.
const maxAttempts = 3

// withConn runs f on a pooled connection, again on another one when the
// first failed by being lost or by an abort worth retrying, up to
// maxAttempts in all. It never runs f again once ctx is done.
//
// Running f again is safe for every operation of a Store: each is a read,
// a blind upsert or a delete, in one transaction. When a lost connection
// leaves unknown whether a commit happened, running the transaction again
// leaves what running it once would, and the caller, who has no answer
// yet, cannot tell the two apart: another writer's record written in
// between was written while this call was in flight, so ordering it
// before this call is a valid outcome.
func (s *Store) withConn(ctx context.Context, f func(c *pgxpool.Conn) error) error {
	for attempt := 1; ; attempt++ {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		err = f(c)
		lost := err != nil && c.Conn().IsClosed()
		c.Release()
		if err == nil || attempt == maxAttempts || ctx.Err() != nil || !(lost || retryable(err)) {
			return err
		}
		s.retries.Add(1)
	}
}

// retryable reports whether err is PostgreSQL aborting a transaction that
// may succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", // serialization_failure
		"40P01": // deadlock_detected
		return true
	}
	return false
}
