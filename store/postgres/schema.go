package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SchemaVersion is the version of the table layout this build writes and
// reads. Open records it in the meta table of a new table and refuses a
// table whose meta table holds another version with an error matching
// [ErrSchemaVersion].
const SchemaVersion = 1

// names are the SQL names of one Store's tables, quoted and qualified
// when a schema is set.
type names struct {
	schema      string // as configured, "" for the search_path
	table, meta string // quoted, qualified: for statements
	index       string // quoted, unqualified: an index lives beside its table
	lockKey     string // the advisory lock that serializes Open's set-up
}

func newNames(schema, table string) names {
	qualify := func(name string) string {
		if schema == "" {
			return pgx.Identifier{name}.Sanitize()
		}
		return pgx.Identifier{schema, name}.Sanitize()
	}
	return names{
		schema:  schema,
		table:   qualify(table),
		meta:    qualify(table + "_meta"),
		index:   pgx.Identifier{table + "_expire_at"}.Sanitize(),
		lockKey: "livedict:" + schema + "." + table,
	}
}

// The layout. bucket is bytea rather than text: a bucket is any Go string,
// and text refuses NUL bytes and, in a UTF-8 database, invalid UTF-8.
// expire_at is NULL for a record that never expires; see the package
// documentation on expiry for why it is a timestamptz.
//
// The primary key is on the SHA-256 of bucket and of key, generated
// columns, rather than on bucket and key themselves: a B-tree entry may
// hold at most about 2.7 KB (a third of a page), and a key may be 10 KB of
// bytes that do not compress. The hashes are 32 bytes whatever the key.
func (n names) ddl() []string {
	return []string{
		`CREATE TABLE ` + n.meta + ` (
	name  text PRIMARY KEY,
	value bigint NOT NULL
)`,
		`INSERT INTO ` + n.meta + ` (name, value) VALUES ('schema_version', ` + fmt.Sprint(SchemaVersion) + `)`,
		`CREATE TABLE ` + n.table + ` (
	bucket      bytea NOT NULL,
	key         bytea NOT NULL,
	value       bytea NOT NULL,
	expire_at   timestamptz,
	bucket_hash bytea NOT NULL GENERATED ALWAYS AS (sha256(bucket)) STORED,
	key_hash    bytea NOT NULL GENERATED ALWAYS AS (sha256(key)) STORED,
	PRIMARY KEY (bucket_hash, key_hash)
)`,
		// Partial: records that never expire cost the index nothing. The
		// sweep finds expired rows through it.
		`CREATE INDEX ` + n.index + ` ON ` + n.table + ` (expire_at) WHERE expire_at IS NOT NULL`,
	}
}

// initSchema creates the schema and tables when they do not exist and
// checks the recorded version when they do. It runs in one transaction
// under an advisory lock on the table's name, so that Stores opening the
// same new table at once, in any process, take turns: the first creates
// it, the others find it. It creates nothing it finds already there, so a
// role without the CREATE privilege can open tables made for it. On any
// error nothing is changed.
func initSchema(ctx context.Context, pool *pgxpool.Pool, n names) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin schema transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, n.lockKey); err != nil {
		return fmt.Errorf("lock schema: %w", err)
	}
	if n.schema != "" {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, n.schema).Scan(&exists); err != nil {
			return fmt.Errorf("look up schema: %w", err)
		}
		if !exists {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{n.schema}.Sanitize()); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
	}
	var haveMeta, haveTable bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL`, n.meta, n.table).Scan(&haveMeta, &haveTable); err != nil {
		return fmt.Errorf("look up tables: %w", err)
	}
	switch {
	case !haveMeta && haveTable:
		return fmt.Errorf("%w: table %s exists without %s, so LiveDict did not create it; choose another Table", ErrSchemaVersion, n.table, n.meta)
	case !haveMeta:
		for _, stmt := range n.ddl() {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("create tables: %w", err)
			}
		}
	default:
		var version int64
		err := tx.QueryRow(ctx, `SELECT value FROM `+n.meta+` WHERE name = 'schema_version'`).Scan(&version)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("%w: %s records no schema_version", ErrSchemaVersion, n.meta)
		case err != nil:
			return fmt.Errorf("read schema version: %w", err)
		case version != SchemaVersion:
			return fmt.Errorf("%w: %s has schema version %d, this build knows only %d", ErrSchemaVersion, n.table, version, SchemaVersion)
		case !haveTable:
			return fmt.Errorf("%w: %s records version %d but table %s is missing", ErrSchemaVersion, n.meta, version, n.table)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit schema: %w", err)
	}
	return nil
}
