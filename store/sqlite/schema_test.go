package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func TestSchemaCreated(t *testing.T) {
	path := tempPath(t)
	mustOpen(t, path, nil)
	db := rawDB(t, path)
	var version int
	if err := db.QueryRow(selectVersion).Scan(&version); err != nil || version != SchemaVersion {
		t.Fatalf("schema version in a new file = %d, %v; want %d", version, err, SchemaVersion)
	}
	var journal string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil || journal != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", journal, err)
	}
	var idx int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'livedict_records_expire_at'`).Scan(&idx); err != nil || idx != 1 {
		t.Errorf("expiry index present = %d, %v; want 1", idx, err)
	}
	// The sweep finds expired rows through the partial index, not by
	// reading the whole table.
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+sqlSweep, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if !strings.Contains(plan.String(), "livedict_records_expire_at") {
		t.Errorf("the sweep's query plan does not use the expiry index:\n%s", plan.String())
	}
}

func TestSchemaVersionMismatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value any
	}{
		{"Newer", SchemaVersion + 1},
		{"Zero", 0},
		{"NotAnInteger", "one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t)
			s, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			db := rawDB(t, path)
			if _, err := db.Exec(`UPDATE livedict_meta SET value = ? WHERE name = 'schema_version'`, tc.value); err != nil {
				t.Fatal(err)
			}

			s, err = Open(path, nil)
			if !errors.Is(err, ErrSchemaVersion) {
				if s != nil {
					_ = s.Close()
				}
				t.Fatalf("Open of a file with schema version %v = %v, want an error matching ErrSchemaVersion", tc.value, err)
			}
			// The refused file is untouched: same version, same record.
			var got any
			if err := db.QueryRow(selectVersion).Scan(&got); err != nil || fmt.Sprint(got) != fmt.Sprint(tc.value) {
				t.Errorf("schema version after the refused Open = %v, %v; want %v", got, err, tc.value)
			}
			if n := countRows(t, db); n != 1 {
				t.Errorf("records after the refused Open = %d, want 1", n)
			}
		})
	}
}

// TestSchemaConcurrentCreate opens one new file from many Stores at once;
// each has its own connections, as separate processes would, and the
// schema must come out created once.
func TestSchemaConcurrentCreate(t *testing.T) {
	path := tempPath(t)
	const n = 8
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(path, nil) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("concurrent Open %d = %v", i, errs[i])
			continue
		}
		if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%d", i)}); err != nil {
			t.Errorf("Put through Store %d = %v", i, err)
		}
		t.Cleanup(func() { _ = s.Close() })
	}
	db := rawDB(t, path)
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM livedict_meta`).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("livedict_meta rows = %d, %v; want 1", rows, err)
	}
	if got := countRows(t, db); got != n {
		t.Errorf("records = %d, want %d", got, n)
	}
}

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error // nil: any error
	}{
		{"Empty", "", ErrInvalidOption},
		{"Memory", ":memory:", ErrInvalidOption},
		{"URI", "file:x.db?mode=memory", ErrInvalidOption},
		{"MissingDirectory", filepath.Join(dir, "missing", "x.db"), nil},
		{"Directory", dir, nil},
		{"NotADatabase", garbage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path, nil)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tc.path)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Open(%q) = %v, want an error matching %v", tc.path, err, tc.want)
			}
		})
	}
	if b, err := os.ReadFile(garbage); err != nil || !strings.HasPrefix(string(b), "not a database") {
		t.Errorf("Open changed a file that is not a database")
	}
}

func TestOptionsInvalid(t *testing.T) {
	for _, o := range []Options{
		{Synchronous: 7},
		{Synchronous: -1},
		{BusyTimeout: -1},
		{BusyTimeout: 1 << 62},
		{Readers: -1},
		{Readers: MaxReaders + 1},
	} {
		s, err := Open(tempPath(t), &o)
		if !errors.Is(err, ErrInvalidOption) {
			if s != nil {
				_ = s.Close()
			}
			t.Errorf("Open with %+v = %v, want an error matching ErrInvalidOption", o, err)
		}
	}
}

func TestReadersAreReadOnly(t *testing.T) {
	s := mustOpen(t, tempPath(t), nil)
	if _, err := s.reader.ExecContext(t.Context(), sqlPut, "b", []byte("k"), []byte("v"), 0); err == nil {
		t.Errorf("a write through a reader connection succeeded, want it refused")
	}
	if _, err := s.Get(t.Context(), "b", []byte("k")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after the refused write = %v, want ErrNotFound", err)
	}
}

// TestPragmas checks the settings each connection gets from the DSN.
func TestPragmas(t *testing.T) {
	for _, tc := range []struct {
		opts   *Options
		sync   int
		busyMS int
	}{
		{nil, 1, 5000},
		{&Options{Synchronous: SynchronousFull, BusyTimeout: 1500 * time.Millisecond}, 2, 1500},
	} {
		s := mustOpen(t, tempPath(t), tc.opts)
		for _, c := range []struct {
			conn string
			db   *sql.DB
			name string
			want int
		}{
			{"writer", s.writer, "synchronous", tc.sync},
			{"writer", s.writer, "busy_timeout", tc.busyMS},
			{"writer", s.writer, "query_only", 0},
			{"reader", s.reader, "synchronous", tc.sync},
			{"reader", s.reader, "busy_timeout", tc.busyMS},
			{"reader", s.reader, "query_only", 1},
		} {
			var got int
			if err := c.db.QueryRowContext(t.Context(), "PRAGMA "+c.name).Scan(&got); err != nil || got != c.want {
				t.Errorf("%s connection: PRAGMA %s = %d, %v; want %d", c.conn, c.name, got, err, c.want)
			}
		}
	}
}
