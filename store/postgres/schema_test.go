package postgres

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/livedict/livedict/store"
)

func TestSchemaVersionRecorded(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), Table: "recs"})
	var v int64
	if err := connect(t).QueryRow(context.Background(), `SELECT value FROM `+s.names.meta+` WHERE name = 'schema_version'`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("recorded schema version = %d, %v; want %d", v, err, SchemaVersion)
	}
}

// TestSchemaVersionRefused: a table whose meta table says another version,
// says none, or is missing, is refused with ErrSchemaVersion and left as
// it was; so is a meta table without its table.
func TestSchemaVersionRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		damage string // SQL run on the tables after a first Open; %t and %m stand for them
	}{
		{"NewerVersion", `UPDATE %m SET value = 2`},
		{"NoVersion", `DELETE FROM %m`},
		{"NotOurs", `DROP TABLE %m`},
		{"TableGone", `DROP TABLE %t`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := &Options{Schema: newSchema(t), SweepInterval: -1}
			s, err := Open(ctx, testDSN(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}); err != nil {
				t.Fatal(err)
			}
			n := s.names
			_ = s.Close()
			admin := connect(t)
			sql := strings.NewReplacer("%t", n.table, "%m", n.meta).Replace(tc.damage)
			if _, err := admin.Exec(ctx, sql); err != nil {
				t.Fatal(err)
			}
			snapshot := func() string {
				var out string
				if err := admin.QueryRow(ctx, `SELECT coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '') FROM pg_class c
					JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1`, opts.Schema).Scan(&out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			before := snapshot()
			s, err = Open(ctx, testDSN(), opts)
			if !errors.Is(err, ErrSchemaVersion) {
				if s != nil {
					_ = s.Close()
				}
				t.Fatalf("Open after %q = %v, want an error matching ErrSchemaVersion", tc.damage, err)
			}
			if after := snapshot(); after != before {
				t.Errorf("a refused Open changed the schema: relations %s, were %s", after, before)
			}
		})
	}
}

// TestReadWriteRole opens tables made for it as a role that may read and
// write them but create nothing.
func TestReadWriteRole(t *testing.T) {
	ctx := context.Background()
	schema := newSchema(t)
	owner := mustOpen(t, testDSN(), &Options{Schema: schema})
	role := randomName("livedict_test_role_")
	admin := connect(t)
	for _, sql := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`GRANT USAGE ON SCHEMA ` + schema + ` TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ` + owner.names.table + `, ` + owner.names.meta + ` TO ` + role,
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		for _, sql := range []string{
			`DROP OWNED BY ` + role, `DROP ROLE ` + role,
		} {
			if _, err := admin.Exec(context.Background(), sql); err != nil {
				t.Errorf("%s: %v", sql, err)
			}
		}
	})
	u, err := url.Parse(testDSN())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	dsn := u.String()
	s := mustOpen(t, dsn, &Options{Schema: schema})
	if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("by role")}); err != nil {
		t.Fatalf("Put as a role without CREATE = %v", err)
	}
	if r, err := owner.Get(ctx, "b", []byte("k")); err != nil || string(r.Value) != "by role" {
		t.Errorf("the owner's Get of the role's write = %q, %v", r.Value, err)
	}
	// The same role cannot create a table of its own: Open says so.
	if s, err := Open(ctx, dsn, &Options{Schema: schema, Table: "other"}); err == nil {
		_ = s.Close()
		t.Errorf("Open of a new table as a role without CREATE succeeded")
	}
}

// TestTablesShareASchema: Stores over two tables of one schema are
// isolated.
func TestTablesShareASchema(t *testing.T) {
	ctx := context.Background()
	schema := newSchema(t)
	a := mustOpen(t, testDSN(), &Options{Schema: schema, Table: "a"})
	b := mustOpen(t, testDSN(), &Options{Schema: schema, Table: "b"})
	if err := a.Put(ctx, store.Record{Bucket: "x", Key: []byte("k"), Value: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "x", []byte("k")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("table b sees table a's record: %v", err)
	}
}

func TestOptionsRefused(t *testing.T) {
	for _, tc := range []struct {
		opts  Options
		field string
	}{
		{Options{Table: "Upper"}, "Table"},
		{Options{Table: "1st"}, "Table"},
		{Options{Table: `a"b`}, "Table"},
		{Options{Table: strings.Repeat("t", MaxTableLen+1)}, "Table"},
		{Options{Schema: "sch-ema"}, "Schema"},
		{Options{Schema: "pg_temp"}, "Schema"},
		{Options{Schema: strings.Repeat("s", MaxSchemaLen+1)}, "Schema"},
		{Options{MaxConns: -1}, "MaxConns"},
		{Options{MaxConns: MaxMaxConns + 1}, "MaxConns"},
		{Options{SweepBatch: -1}, "SweepBatch"},
		{Options{SweepBatch: MaxSweepBatch + 1}, "SweepBatch"},
	} {
		s, err := Open(context.Background(), testDSN(), &tc.opts)
		if err == nil {
			_ = s.Close()
		}
		if !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("Open(%+v) = %v, want an error matching ErrInvalidOption naming %s", tc.opts, err, tc.field)
		}
	}
	if _, err := (&Options{Table: strings.Repeat("t", MaxTableLen), Schema: strings.Repeat("s", MaxSchemaLen)}).resolved(); err != nil {
		t.Errorf("names of the longest lengths refused: %v", err)
	}
}

// TestOpenPool: a Store over the caller's pool leaves it open at Close.
func TestOpenPool(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := OpenPool(ctx, nil, nil); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("OpenPool(nil) = %v, want ErrInvalidOption", err)
	}
	if _, err := OpenPool(ctx, pool, &Options{MaxConns: 3}); !errors.Is(err, ErrInvalidOption) || !strings.Contains(err.Error(), "MaxConns") {
		t.Errorf("OpenPool with MaxConns = %v, want ErrInvalidOption naming MaxConns", err)
	}
	s, err := OpenPool(ctx, pool, &Options{Schema: newSchema(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Errorf("the caller's pool after Close: Ping = %v, want nil", err)
	}
}

// TestOpenUnreachable: Open fails, and leaves no goroutine, when the
// server is not there.
func TestOpenUnreachable(t *testing.T) {
	s, err := Open(context.Background(), "postgres://u@127.0.0.1:1/db?connect_timeout=5", nil)
	if err == nil {
		_ = s.Close()
		t.Fatal("Open of a closed port succeeded")
	}
}
