package postgres

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/livedict/livedict/store"
)

// Open connects to the PostgreSQL database that connString names, in any
// form pgx accepts ("postgres://user@host:5432/db?sslmode=disable" or
// "host=... dbname=..."; pgx's pool_* parameters included), creates the
// schema and tables opts names when they do not exist, and returns a
// Store over them with a pool of its own, which Close closes. A nil opts
// means every default. LiveDict's own URL parameters (table, schema, ...)
// are [OpenURL]'s: here they would reach the server as settings it does
// not know.
//
// Connections carry application_name "livedict" unless connString sets
// one, so that operators can tell them apart in pg_stat_activity. Open
// fails when the server cannot be reached; an error matching
// [ErrSchemaVersion] means the table exists with a layout this build does
// not know, and nothing was changed.
func Open(ctx context.Context, connString string, opts *Options) (*Store, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		// pgx's message leaves out the password.
		return nil, fmt.Errorf("postgres: parse connection string: %w", err)
	}
	return openConfig(ctx, cfg, o)
}

// OpenPool returns a Store over the tables opts names in the database pool
// connects to, creating them when they do not exist, as [Open] does. The
// pool stays the caller's: Close leaves it open. opts.MaxConns must be
// zero, since the pool is configured already.
func OpenPool(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Store, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	switch {
	case pool == nil:
		return nil, fmt.Errorf("%w: nil pool", ErrInvalidOption)
	case o.MaxConns != 0:
		return nil, fmt.Errorf("%w: MaxConns %d with OpenPool: configure the pool instead", ErrInvalidOption, o.MaxConns)
	}
	return newStore(ctx, pool, o, false)
}

// openConfig makes the Store's own pool from cfg.
func openConfig(ctx context.Context, cfg *pgxpool.Config, o Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(o.MaxConns)
	}
	if _, set := cfg.ConnConfig.RuntimeParams["application_name"]; !set {
		cfg.ConnConfig.RuntimeParams["application_name"] = "livedict"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s, err := newStore(ctx, pool, o, true)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// newStore sets up the tables and starts the sweeper.
func newStore(ctx context.Context, pool *pgxpool.Pool, o Options, own bool) (*Store, error) {
	n := newNames(o.Schema, o.Table)
	if err := initSchema(ctx, pool, n); err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", n.table, err)
	}
	s := &Store{
		pool: pool, ownPool: own, names: n, q: newQueries(n.table),
		now: time.Now, sweepBatch: o.SweepBatch, sweepEvery: o.SweepInterval,
		chunkRows: defaultChunkRows, chunkBytes: defaultChunkBytes,
	}
	if s.sweepEvery > 0 {
		s.startSweeper(o.OnSweep)
	}
	return s, nil
}

func init() {
	for _, scheme := range []string{"postgres", "postgresql"} {
		store.Register(scheme, func(ctx context.Context, u *url.URL) (store.Stage, error) {
			s, err := openURL(ctx, u)
			if err != nil {
				return nil, err // not a Stage holding a nil *Store
			}
			return s, nil
		})
	}
}
