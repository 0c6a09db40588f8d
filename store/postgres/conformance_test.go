package postgres

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
)

// harness reopens a Store over the same schema and table.
type harness struct {
	dsn   string
	opts  Options
	after func(*Store) // adjusts each Store opened
}

func (h *harness) Open(t *testing.T) store.Stage {
	s, err := Open(context.Background(), h.dsn, &h.opts)
	if err != nil {
		t.Fatal(err)
	}
	if h.after != nil {
		h.after(s)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func(t *testing.T) *harness
	}{
		{"Defaults", func(t *testing.T) *harness {
			return &harness{dsn: testDSN(), opts: Options{Schema: newSchema(t)}}
		}},
		// One connection and no sweeper: a Scan's loop body that calls
		// the Store must not wait for the connection the Scan holds.
		{"OneConnection", func(t *testing.T) *harness {
			return &harness{dsn: testDSN(), opts: Options{Schema: newSchema(t), MaxConns: 1, SweepInterval: -1, Table: "t1"}}
		}},
		// Statements of three records: every PutBatch of more is a
		// transaction of several statements.
		{"SmallChunks", func(t *testing.T) *harness {
			return &harness{dsn: testDSN(), opts: Options{Schema: newSchema(t)}, after: func(s *Store) { s.chunkRows = 3 }}
		}},
		// No Schema: unqualified names, found through the search_path.
		{"SearchPath", func(t *testing.T) *harness {
			schema := newSchema(t)
			if _, err := connect(t).Exec(context.Background(), `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
				t.Fatal(err)
			}
			return &harness{dsn: dsnWith(t, url.Values{"search_path": {schema}})}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Harness { return tc.new(t) })
		})
	}
}
