package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/livedict/livedict/store"
)

// envDSN overrides the server the tests use. It is not a LIVEDICT_ name:
// the config package takes unknown LIVEDICT_ variables for typos.
const envDSN = "POSTGRES_TEST_DSN"

// defaultDSN is the server CI runs (.ci/run starts it): trust
// authentication on 127.0.0.1, database test.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testDSN() string {
	if v := os.Getenv(envDSN); v != "" {
		return v
	}
	return defaultDSN
}

// dsnWith returns the test DSN with extra query parameters.
func dsnWith(t testing.TB, params url.Values) string {
	t.Helper()
	u, err := url.Parse(testDSN())
	if err != nil {
		t.Fatalf("%s is not a URL: %v", envDSN, err)
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// randomName returns prefix followed by 12 random hex digits.
func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newSchema returns the name of a schema of the test's own, which does not
// exist yet (Open creates it), and drops it with everything in it when
// the test ends, after the test's Stores have closed.
func newSchema(t testing.TB) string {
	t.Helper()
	schema := randomName("livedict_test_")
	t.Cleanup(func() {
		c := connect(t)
		if _, err := c.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// connect opens a plain pgx connection to the test server, closed when the
// test ends, for tests that look at or change what a Store wrote.
func connect(t testing.TB) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), testDSN())
	if err != nil {
		t.Fatalf("connect to %s: %v", testDSN(), err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// mustOpen opens a Store in schema and closes it when the test ends.
func mustOpen(t testing.TB, dsn string, opts *Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	return s
}

// scanAll returns every record Scan yields for bucket.
func scanAll(t testing.TB, s store.Stage, bucket string) []store.Record {
	t.Helper()
	var out []store.Record
	for r, err := range s.Scan(context.Background(), bucket) {
		if err != nil {
			t.Fatalf("Scan(%q) = %v", bucket, err)
		}
		out = append(out, r)
	}
	return out
}

// countRows returns the number of rows in the Store's table, expired ones
// included.
func countRows(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := connect(t).QueryRow(context.Background(), `SELECT count(*) FROM `+s.names.table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
