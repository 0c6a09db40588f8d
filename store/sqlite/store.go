package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"

	"github.com/livedict/livedict/store"
)

// Store is a LiveDict backend over one SQLite file. It implements
// store.Stage, store.BatchPutter and store.Pinger, and is safe for
// concurrent use. Create it with [Open] or [OpenURL].
type Store struct {
	writer *sql.DB // one connection
	reader *sql.DB // Options.Readers connections, query_only

	put, del, sweep      *sql.Stmt // on writer
	get, scan, scanAfter *sql.Stmt // on reader

	// gate is entered by each operation while it uses the databases and
	// closed by Close, so Close waits for operations in flight and no
	// operation starts on closed databases. Scan enters it per page, never
	// while it yields.
	gate store.Gate

	sweepBatch     int       // rows deleted per sweep statement
	afterSweepStep func(int) // test hook, called after each sweep statement
	sweepStop      context.CancelFunc
	sweepDone      chan struct{}
}

var (
	_ store.Stage       = (*Store)(nil)
	_ store.BatchPutter = (*Store)(nil)
	_ store.Pinger      = (*Store)(nil)
)

const (
	sqlPut = `INSERT INTO livedict_records (bucket, key, value, expire_at) VALUES (?1, ?2, ?3, ?4)
	ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value, expire_at = excluded.expire_at`
	sqlDelete = `DELETE FROM livedict_records WHERE bucket = ?1 AND key = ?2`
	sqlGet    = `SELECT value, expire_at FROM livedict_records
	WHERE bucket = ?1 AND key = ?2 AND (expire_at = 0 OR expire_at > ?3)`
	sqlScan = `SELECT key, value, expire_at FROM livedict_records
	WHERE bucket = ?1 AND (expire_at = 0 OR expire_at > ?2) ORDER BY key LIMIT ?3`
	sqlScanAfter = `SELECT key, value, expire_at FROM livedict_records
	WHERE bucket = ?1 AND key > ?4 AND (expire_at = 0 OR expire_at > ?2) ORDER BY key LIMIT ?3`
	sqlSweep = `DELETE FROM livedict_records WHERE rowid IN (
	SELECT rowid FROM livedict_records WHERE expire_at > 0 AND expire_at <= ?1 LIMIT ?2)`
)

// Scan reads a bucket a page at a time, each page in a read transaction
// of its own that ends before the page's records are yielded. A page ends
// after scanPageRows rows or once it holds scanPageBytes of keys and
// values, whichever comes first, so memory stays bounded with large values.
const (
	scanPageRows  = 512
	scanPageBytes = 8 << 20
)

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		db   *sql.DB
		dst  **sql.Stmt
		text string
	}{
		{s.writer, &s.put, sqlPut},
		{s.writer, &s.del, sqlDelete},
		{s.writer, &s.sweep, sqlSweep},
		{s.reader, &s.get, sqlGet},
		{s.reader, &s.scan, sqlScan},
		{s.reader, &s.scanAfter, sqlScanAfter},
	} {
		st, err := p.db.PrepareContext(ctx, p.text)
		if err != nil {
			return fmt.Errorf("prepare statements: %w", err)
		}
		*p.dst = st
	}
	return nil
}

// begin makes the open and context checks every method starts with. On
// success the caller must call s.gate.Leave.
func (s *Store) begin(ctx context.Context) error { return s.gate.Enter(ctx) }

// putArgs returns the statement arguments for r. A nil slice would bind
// as NULL, so empty keys and values are bound as empty blobs.
func putArgs(r store.Record) []any {
	key, value := r.Key, r.Value
	if key == nil {
		key = []byte{}
	}
	if value == nil {
		value = []byte{}
	}
	return []any{r.Bucket, key, value, toMillis(r.ExpireAt)}
}

// Put stores r in its own transaction, replacing any record with the same
// bucket and key. It returns once SQLite has committed, as durably as
// Options.Synchronous promises.
func (s *Store) Put(ctx context.Context, r store.Record) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("sqlite: put: %w", err)
	}
	defer s.gate.Leave()
	if _, err := s.put.ExecContext(ctx, putArgs(r)...); err != nil {
		return fmt.Errorf("sqlite: put: %w", err)
	}
	return nil
}

// PutBatch stores rs in one transaction with one prepared statement, which
// costs about one commit for the whole batch. If it fails, the transaction
// is rolled back and none of rs is stored.
func (s *Store) PutBatch(ctx context.Context, rs []store.Record) (err error) {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("sqlite: put batch: %w", err)
	}
	defer s.gate.Leave()
	if len(rs) == 0 {
		return nil
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: put batch: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	st := tx.StmtContext(ctx, s.put)
	for _, r := range rs {
		if _, err := st.ExecContext(ctx, putArgs(r)...); err != nil {
			return fmt.Errorf("sqlite: put batch: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: put batch: commit: %w", err)
	}
	return nil
}

// Get returns the unexpired record for bucket and key, or an error
// matching store.ErrNotFound.
func (s *Store) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := s.begin(ctx); err != nil {
		return store.Record{}, fmt.Errorf("sqlite: get: %w", err)
	}
	defer s.gate.Leave()
	if key == nil {
		key = []byte{}
	}
	var (
		value []byte
		exp   int64
	)
	// Scanning into []byte copies, so the record shares no memory with the
	// driver.
	err := s.get.QueryRowContext(ctx, bucket, key, nowMillis()).Scan(&value, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, fmt.Errorf("sqlite: get: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("sqlite: get: %w", err)
	}
	return store.Record{Bucket: bucket, Key: bytes.Clone(key), Value: value, ExpireAt: fromMillis(exp)}, nil
}

// Delete removes the record for bucket and key; a missing record is not an
// error.
func (s *Store) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("sqlite: delete: %w", err)
	}
	defer s.gate.Leave()
	if key == nil {
		key = []byte{}
	}
	if _, err := s.del.ExecContext(ctx, bucket, key); err != nil {
		return fmt.Errorf("sqlite: delete: %w", err)
	}
	return nil
}

// Scan yields the unexpired records of bucket in key order (bytewise). It
// reads a page of up to 512 records (fewer when they are large) in a short
// read transaction, yields them, and reads the next page after the last key
// seen, so a slow consumer holds no transaction open and never blocks the
// WAL checkpoint. Records written or deleted during a scan may or may not
// be seen; a record is never yielded twice.
func (s *Store) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		var after []byte
		for first := true; ; first = false {
			page, more, err := s.scanPage(ctx, bucket, after, first)
			if err != nil {
				yield(store.Record{}, fmt.Errorf("sqlite: scan: %w", err))
				return
			}
			if len(page) > 0 {
				// The caller owns the yielded keys and may change them.
				after = bytes.Clone(page[len(page)-1].Key)
			}
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

// scanPage reads the records of bucket after key after (from the first
// when first is set). more reports whether there may be records past the
// page.
func (s *Store) scanPage(ctx context.Context, bucket string, after []byte, first bool) (page []store.Record, more bool, err error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	defer s.gate.Leave()
	var rows *sql.Rows
	if first {
		rows, err = s.scan.QueryContext(ctx, bucket, nowMillis(), scanPageRows)
	} else {
		rows, err = s.scanAfter.QueryContext(ctx, bucket, nowMillis(), scanPageRows, after)
	}
	if err != nil {
		return nil, false, err
	}
	defer func() {
		if cerr := rows.Close(); err == nil && cerr != nil {
			page, more, err = nil, false, cerr
		}
	}()
	size := 0
	for rows.Next() {
		r := store.Record{Bucket: bucket}
		var exp int64
		if err := rows.Scan(&r.Key, &r.Value, &exp); err != nil {
			return nil, false, err
		}
		r.ExpireAt = fromMillis(exp)
		page = append(page, r)
		size += len(r.Key) + len(r.Value)
		if len(page) == scanPageRows || size >= scanPageBytes {
			return page, true, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return page, false, nil
}

// Ping checks that both the writer and a reader connection answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	defer s.gate.Leave()
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close stops the sweeper, waits for operations in flight and closes the
// connections; the last connection to the file checkpoints the write-ahead
// log into it. A second Close returns nil.
func (s *Store) Close() error {
	// The sweeper stops first, so that it never reports ErrClosed.
	s.stopSweeper()
	if !s.gate.Close() {
		return nil
	}
	if err := s.closeDBs(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// closeDBs closes the statements and both databases, readers first so that
// the writer is the last connection and checkpoints.
func (s *Store) closeDBs() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.get, s.scan, s.scanAfter, s.put, s.del, s.sweep} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	errs = append(errs, s.reader.Close(), s.writer.Close())
	return errors.Join(errs...)
}
