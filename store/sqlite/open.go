package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/livedict/livedict/store"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// driverName is the database/sql driver that modernc.org/sqlite registers.
const driverName = "sqlite"

// Open opens the SQLite database at path, creating the file and its schema
// when they do not exist, and returns a Store over it. A relative path is
// made absolute against the working directory. A nil opts means every
// default. The directory must exist. An empty path, ":memory:" and "file:"
// URIs give an error matching [ErrInvalidOption]: a backend in memory would
// not survive a reopen (use store.NewMemory for that), and options belong in
// opts rather than in a URI.
//
// A file written by a release with another schema version gives an error
// matching [ErrSchemaVersion], and the file is left as it was.
func Open(path string, opts *Options) (*Store, error) {
	return open(context.Background(), path, opts)
}

func open(ctx context.Context, path string, opts *Options) (*Store, error) {
	o, err := opts.resolved()
	if err != nil {
		return nil, err
	}
	switch {
	case path == "":
		return nil, fmt.Errorf("%w: empty path", ErrInvalidOption)
	case path == ":memory:" || strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("%w: path %q: want a file name (in-memory databases do not survive a reopen; use store.NewMemory)", ErrInvalidOption, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: path %q: %w", ErrInvalidOption, path, err)
	}

	writer, err := sql.Open(driverName, dsn(abs, &o, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	// One writer connection: SQLite admits one writer at a time anyway,
	// and queueing in database/sql is cheaper than spinning on
	// SQLITE_BUSY.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	if err := retryBusy(ctx, o.BusyTimeout, func() error { return initSchema(ctx, writer) }); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	reader, err := sql.Open(driverName, dsn(abs, &o, true))
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	reader.SetMaxOpenConns(o.Readers)
	reader.SetMaxIdleConns(o.Readers)

	s := &Store{writer: writer, reader: reader, sweepBatch: defaultSweepBatch}
	if err := s.prepare(ctx); err != nil {
		err = errors.Join(err, s.closeDBs())
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if o.SweepInterval > 0 {
		s.startSweeper(o.SweepInterval, o.OnSweep)
	}
	return s, nil
}

// dsn builds the modernc.org/sqlite data source name for the file at abs.
// Every setting is a _pragma parameter, so each connection database/sql
// opens, including ones it reopens later, gets it. busy_timeout comes
// first so that switching a new file to WAL already waits for locks held
// by another process.
func dsn(abs string, o *Options, readOnly bool) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive letter: file:///C:/...
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.busyMillis()))
	if readOnly {
		// query_only rather than mode=ro: a mode=ro connection cannot
		// rebuild the WAL index after another process died mid-write
		// (SQLITE_READONLY_RECOVERY), while a query_only one can and
		// still refuses every statement that writes.
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// immediate: a write transaction takes the write lock at BEGIN,
		// where busy_timeout applies, rather than failing with
		// SQLITE_BUSY when a read turns into a write.
		q.Set("_txlock", "immediate")
	}
	q.Add("_pragma", "synchronous("+o.Synchronous.String()+")")
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

func init() {
	store.Register("sqlite", func(ctx context.Context, u *url.URL) (store.Stage, error) {
		s, err := openURL(ctx, u)
		if err != nil {
			return nil, err // not a Stage holding a nil *Store
		}
		return s, nil
	})
}
