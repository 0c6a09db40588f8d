package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SchemaVersion is the version of the table layout this build writes and
// reads. Open records it in livedict_meta on a new file and refuses a file
// that holds another version with an error matching [ErrSchemaVersion].
const SchemaVersion = 1

const (
	createMeta = `CREATE TABLE IF NOT EXISTS livedict_meta (
	name  TEXT PRIMARY KEY NOT NULL,
	value INTEGER NOT NULL
) WITHOUT ROWID`

	selectVersion = `SELECT value FROM livedict_meta WHERE name = 'schema_version'`
	insertVersion = `INSERT INTO livedict_meta (name, value) VALUES ('schema_version', ?1)`

	// expire_at holds Unix milliseconds, 0 for a record that never
	// expires. The table has a rowid (the primary key is a unique index
	// beside it) rather than being WITHOUT ROWID: see the package
	// documentation on storage.
	createRecords = `CREATE TABLE IF NOT EXISTS livedict_records (
	bucket    TEXT    NOT NULL,
	key       BLOB    NOT NULL,
	value     BLOB    NOT NULL,
	expire_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (bucket, key)
)`

	// The index is partial: records that never expire, usually most of
	// them, cost it nothing. It covers the sweep, which needs only
	// expire_at and the rowid.
	createExpiryIndex = `CREATE INDEX IF NOT EXISTS livedict_records_expire_at
	ON livedict_records (expire_at) WHERE expire_at > 0`
)

// initSchema creates the tables on a new file and checks the version of an
// existing one. It runs in one immediate transaction, which takes the write
// lock first, so two processes creating the same new file serialize: the
// second waits (within the busy timeout) and then finds the version the
// first wrote. Open runs it through retryBusy, which covers the one wait
// the busy handler does not: the first connection switching a new file to
// WAL. A file with another version is left as it was.
func initSchema(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin schema transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, createMeta); err != nil {
		return fmt.Errorf("sqlite: create livedict_meta: %w", err)
	}
	var version any
	switch err := tx.QueryRowContext(ctx, selectVersion).Scan(&version); {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, insertVersion, SchemaVersion); err != nil {
			return fmt.Errorf("sqlite: record schema version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("sqlite: read schema version: %w", err)
	case version != int64(SchemaVersion):
		// A value of another type (text, a real) is no version we wrote.
		return fmt.Errorf("%w: the file has schema version %v, this build knows only %d", ErrSchemaVersion, version, SchemaVersion)
	}
	for _, stmt := range []string{createRecords, createExpiryIndex} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sqlite: create schema: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit schema: %w", err)
	}
	return nil
}
