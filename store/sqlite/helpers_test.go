package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// tempPath returns the path of a database file in a fresh directory.
func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "live.db")
}

// mustOpen opens a Store and closes it when the test ends.
func mustOpen(t testing.TB, path string, opts *Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	return s
}

// rawDB opens the file with plain database/sql, bypassing Store, for tests
// that inspect or damage it.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// countRows returns the number of rows in livedict_records, expired ones
// included.
func countRows(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM livedict_records`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
