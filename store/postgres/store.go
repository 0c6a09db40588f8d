package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/livedict/livedict/store"
)

// Store is a LiveDict backend over one PostgreSQL table. It implements
// store.Stage, store.BatchPutter, store.BucketLister, store.NativeTTL and
// store.Pinger, and is safe for concurrent use. Create it with [Open],
// [OpenPool] or [OpenURL].
type Store struct {
	pool    *pgxpool.Pool
	ownPool bool // Close closes the pool: Open made it
	names   names
	q       queries

	// gate is entered by each operation while it uses the pool and closed
	// by Close, so Close waits for operations in flight and none starts
	// on a closed pool. Scan and Buckets enter it per page, never while
	// they yield.
	gate store.Gate

	now        func() time.Time // the clock expiry is checked against
	sweepBatch int
	sweepEvery time.Duration // <= 0: no sweeper
	sweepStop  context.CancelFunc
	sweepDone  chan struct{}

	// chunkRows and chunkBytes bound one statement of a PutBatch.
	chunkRows, chunkBytes int
	// retries counts operations run again by withConn, for tests.
	retries atomic.Int64
	// midBatch, when set, is called by a PutBatch of several statements
	// after its first one, on the transaction's connection: tests kill
	// that connection there.
	midBatch func(ctx context.Context, c *pgx.Conn)
}

var (
	_ store.Stage        = (*Store)(nil)
	_ store.BatchPutter  = (*Store)(nil)
	_ store.BucketLister = (*Store)(nil)
	_ store.NativeTTL    = (*Store)(nil)
	_ store.Pinger       = (*Store)(nil)
)

// queries are a Store's statements, written once for its table. pgx
// prepares each on first use on each connection and keeps it.
type queries struct {
	put, putBatch, get, del, scan, sweep, buckets string
}

func newQueries(t string) queries {
	// The primary key is (bucket_hash, key_hash), the columns' SHA-256
	// (see names.ddl). Lookups go through the hashes and then compare the
	// bytes themselves, so that even a SHA-256 collision would not return
	// another key's record.
	const upsert = ` ON CONFLICT (bucket_hash, key_hash) DO UPDATE SET value = excluded.value, expire_at = excluded.expire_at`
	const live = `(expire_at IS NULL OR expire_at > $3)`
	return queries{
		put: `INSERT INTO ` + t + ` (bucket, key, value, expire_at) VALUES ($1, $2, $3, $4)` + upsert,
		putBatch: `INSERT INTO ` + t + ` (bucket, key, value, expire_at)
	SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::timestamptz[])` + upsert,
		get: `SELECT value, expire_at FROM ` + t + `
	WHERE bucket_hash = sha256($1) AND key_hash = sha256($2) AND bucket = $1 AND key = $2 AND ` + live,
		del: `DELETE FROM ` + t + ` WHERE bucket_hash = sha256($1) AND key_hash = sha256($2) AND bucket = $1 AND key = $2`,
		// Pages follow key_hash. key_hash >= $2: the page after hash h
		// starts at h || '\x00', the least byte string greater than h, so
		// one statement serves every page.
		scan: `SELECT key, value, expire_at, key_hash FROM ` + t + `
	WHERE bucket_hash = sha256($1) AND bucket = $1 AND key_hash >= $2 AND ` + live + `
	ORDER BY key_hash LIMIT $4`,
		// SKIP LOCKED: sweepers on several hosts share the work instead of
		// queueing on each other's rows, and a row a writer holds is
		// left for the next sweep.
		sweep: `DELETE FROM ` + t + ` WHERE (bucket_hash, key_hash) IN (
	SELECT bucket_hash, key_hash FROM ` + t + ` WHERE expire_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		// A skip scan of the primary key: each step finds the next
		// bucket_hash with one index probe, so listing costs a few probes
		// per bucket, not a read of every row. The lateral subquery
		// finds the bucket's name in one of its live rows, and drops a
		// bucket that has none.
		buckets: `WITH RECURSIVE b(h) AS (
	(SELECT bucket_hash FROM ` + t + ` WHERE bucket_hash >= $1 ORDER BY bucket_hash LIMIT 1)
	UNION ALL
	SELECT (SELECT r.bucket_hash FROM ` + t + ` r WHERE r.bucket_hash > b.h ORDER BY r.bucket_hash LIMIT 1)
	FROM b WHERE b.h IS NOT NULL
)
SELECT b.h, l.bucket FROM b CROSS JOIN LATERAL (
	SELECT r.bucket FROM ` + t + ` r WHERE r.bucket_hash = b.h AND (r.expire_at IS NULL OR r.expire_at > $2) LIMIT 1) l
WHERE b.h IS NOT NULL
LIMIT $3`,
	}
}

// Scan reads a bucket, and Buckets the bucket names, a page at a time,
// each page in a statement of its own that ends before the page is
// yielded. A scan page ends after scanPageRows rows or once it holds
// scanPageBytes of keys and values, whichever comes first.
const (
	scanPageRows    = 512
	scanPageBytes   = 8 << 20
	bucketPageNames = 256
)

// nonNil returns b, or an empty slice for nil: pgx sends a nil []byte as
// NULL, and the columns are NOT NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nowParam is the client's clock as a query parameter; see the package
// documentation on expiry.
func (s *Store) nowParam() pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: s.now(), Valid: true}
}

// Put stores r with one statement, replacing any record with the same
// bucket and key. It returns once PostgreSQL has committed it.
func (s *Store) Put(ctx context.Context, r store.Record) error {
	if err := s.gate.Enter(ctx); err != nil {
		return fmt.Errorf("postgres: put: %w", err)
	}
	defer s.gate.Leave()
	err := s.withConn(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, s.q.put, []byte(r.Bucket), nonNil(r.Key), nonNil(r.Value), toTimestamptz(r.ExpireAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put: %w", err)
	}
	return nil
}

// Get returns the unexpired record for bucket and key, or an error
// matching store.ErrNotFound.
func (s *Store) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := s.gate.Enter(ctx); err != nil {
		return store.Record{}, fmt.Errorf("postgres: get: %w", err)
	}
	defer s.gate.Leave()
	var (
		value []byte
		exp   pgtype.Timestamptz
	)
	err := s.withConn(ctx, func(c *pgxpool.Conn) error {
		// Scanning into a []byte copies: the record shares no memory
		// with pgx's buffers.
		return c.QueryRow(ctx, s.q.get, []byte(bucket), nonNil(key), s.nowParam()).Scan(&value, &exp)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, fmt.Errorf("postgres: get: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("postgres: get: %w", err)
	}
	return store.Record{Bucket: bucket, Key: bytes.Clone(nonNil(key)), Value: value, ExpireAt: fromTimestamptz(exp)}, nil
}

// Delete removes the record for bucket and key; a missing record is not an
// error.
func (s *Store) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := s.gate.Enter(ctx); err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	defer s.gate.Leave()
	err := s.withConn(ctx, func(c *pgxpool.Conn) error {
		_, err := c.Exec(ctx, s.q.del, []byte(bucket), nonNil(key))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	return nil
}

// Scan yields the unexpired records of bucket in the order of their keys'
// SHA-256. It reads a page of up to 512 records (fewer when they are
// large) with one statement, yields them, and reads the next page after
// the last one seen, so a slow consumer holds no connection and no transaction, and
// may call the Store from its loop body. Records written or deleted during
// a scan may or may not be seen; a record is never yielded twice.
func (s *Store) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		from := []byte{}
		for {
			page, last, more, err := s.scanPage(ctx, bucket, from)
			if err != nil {
				yield(store.Record{}, fmt.Errorf("postgres: scan: %w", err))
				return
			}
			from = append(last, 0)
			for _, r := range page {
				if !yield(r, nil) {
					return
				}
			}
			if !more {
				return
			}
		}
	}
}

// scanPage reads the records of bucket whose key_hash is from or later,
// and returns the last key_hash read. more reports whether there may be
// records past the page.
func (s *Store) scanPage(ctx context.Context, bucket string, from []byte) (page []store.Record, last []byte, more bool, err error) {
	if err := s.gate.Enter(ctx); err != nil {
		return nil, nil, false, err
	}
	defer s.gate.Leave()
	err = s.withConn(ctx, func(c *pgxpool.Conn) error {
		page, more = page[:0], false
		rows, err := c.Query(ctx, s.q.scan, []byte(bucket), from, s.nowParam(), scanPageRows)
		if err != nil {
			return err
		}
		// Close reads and drops what a full page leaves unread.
		defer rows.Close()
		size := 0
		for rows.Next() {
			r := store.Record{Bucket: bucket}
			var exp pgtype.Timestamptz
			if err := rows.Scan(&r.Key, &r.Value, &exp, &last); err != nil {
				return err
			}
			r.ExpireAt = fromTimestamptz(exp)
			page = append(page, r)
			size += len(r.Key) + len(r.Value)
			if len(page) == scanPageRows || size >= scanPageBytes {
				more = true
				break
			}
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return nil, nil, false, err
	}
	return page, last, more, nil
}

// Buckets yields each bucket that holds at least one unexpired record,
// once, in the order of the names' SHA-256, a page of up to 256 names per
// statement.
// Buckets created or emptied during the listing may or may not be seen.
func (s *Store) Buckets(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		from := []byte{}
		for {
			page, last, err := s.bucketPage(ctx, from)
			if err != nil {
				yield("", fmt.Errorf("postgres: buckets: %w", err))
				return
			}
			from = append(last, 0)
			for _, b := range page {
				if !yield(b, nil) {
					return
				}
			}
			if len(page) < bucketPageNames {
				return
			}
		}
	}
}

// bucketPage reads the names of the buckets whose bucket_hash is from or
// later, and returns the last bucket_hash read.
func (s *Store) bucketPage(ctx context.Context, from []byte) (page []string, last []byte, err error) {
	if err := s.gate.Enter(ctx); err != nil {
		return nil, nil, err
	}
	defer s.gate.Leave()
	err = s.withConn(ctx, func(c *pgxpool.Conn) error {
		page = page[:0]
		rows, err := c.Query(ctx, s.q.buckets, from, s.nowParam(), bucketPageNames)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&last, &b); err != nil {
				return err
			}
			page = append(page, string(b))
		}
		return rows.Err()
	})
	return page, last, err
}

// Ping checks that PostgreSQL answers on a pooled connection.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.gate.Enter(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	defer s.gate.Leave()
	if err := s.withConn(ctx, func(c *pgxpool.Conn) error { return c.Ping(ctx) }); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// NativeTTL reports whether the Store removes expired rows by itself,
// which it does while its sweeper runs (Options.SweepInterval not
// negative).
func (s *Store) NativeTTL() bool { return s.sweepEvery > 0 }

// Close stops the sweeper, waits for operations in flight and, when the
// Store made its pool (Open, OpenURL), closes it. A pool given to
// [OpenPool] stays open. A second Close returns nil.
func (s *Store) Close() error {
	// The sweeper stops first, so that it never reports ErrClosed.
	s.stopSweeper()
	if !s.gate.Close() {
		return nil
	}
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}
