package postgres

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Defaults used for zero fields of [Options], and the bounds of the
// numeric ones.
const (
	DefaultTable         = "livedict_records"
	DefaultSweepInterval = time.Minute
	DefaultSweepBatch    = 1000
	// MaxMaxConns bounds Options.MaxConns.
	MaxMaxConns = 1000
	// MaxSweepBatch bounds Options.SweepBatch.
	MaxSweepBatch = 100_000
	// MaxTableLen is the longest table name: PostgreSQL truncates
	// identifiers at 63 bytes, and the names derived from the table's
	// (its "_meta" table, its "_expire_at" index) must fit too.
	MaxTableLen = 48
	// MaxSchemaLen is the longest schema name PostgreSQL keeps whole.
	MaxSchemaLen = 63
)

// Options configures [Open], [OpenPool] and, through its query
// parameters, [OpenURL]. A nil *Options and the zero value both mean every
// default.
type Options struct {
	// Schema is the PostgreSQL schema that holds the tables. Empty (the
	// default) leaves the names unqualified, so the connection's
	// search_path picks the schema (usually "public"). A named schema is
	// created when it does not exist. It must be a plain lower-case
	// identifier: a letter or underscore, then letters, digits or
	// underscores, at most MaxSchemaLen bytes, not starting with "pg_".
	Schema string

	// Table is the name of the records table; its schema version is kept
	// in a table of the same name with "_meta" appended. Several Stores
	// with different tables may share one schema. Empty means
	// DefaultTable ("livedict_records"); otherwise the same rule as
	// Schema, at most MaxTableLen bytes.
	Table string

	// MaxConns is the most connections the Store's pool opens. Zero keeps
	// pgx's default (the larger of 4 and the number of CPUs) or the
	// connection string's pool_max_conns; otherwise from 1 to MaxMaxConns.
	// It must be zero for [OpenPool], whose pool is configured already.
	MaxConns int

	// SweepInterval is how often a background goroutine deletes expired
	// rows with [Store.Sweep]. Zero means DefaultSweepInterval (1m); a
	// negative value disables the sweeper (the URL form says sweep=0).
	// Expired rows are never returned either way; sweeping only reclaims
	// their space.
	SweepInterval time.Duration

	// SweepBatch is how many expired rows one sweep statement deletes, each
	// statement a short transaction of its own. Zero means
	// DefaultSweepBatch (1000); at most MaxSweepBatch.
	SweepBatch int

	// OnSweep, when not nil, is called by the sweeper goroutine after each
	// periodic sweep with the number of rows it deleted and its error. It
	// must not call Close and should return quickly. It is not called for
	// explicit calls of Store.Sweep.
	OnSweep func(removed int, err error)
}

// resolved returns o with defaults filled in, or an error matching
// ErrInvalidOption that names the field.
func (o *Options) resolved() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Schema != "" {
		if err := checkIdent(r.Schema, MaxSchemaLen); err != nil {
			return r, fmt.Errorf("%w: Schema %q: %s", ErrInvalidOption, r.Schema, err)
		}
		if strings.HasPrefix(r.Schema, "pg_") {
			return r, fmt.Errorf("%w: Schema %q: names starting with pg_ are reserved for PostgreSQL's own schemas", ErrInvalidOption, r.Schema)
		}
	}
	if r.Table == "" {
		r.Table = DefaultTable
	}
	if err := checkIdent(r.Table, MaxTableLen); err != nil {
		return r, fmt.Errorf("%w: Table %q: %s", ErrInvalidOption, r.Table, err)
	}
	if r.MaxConns < 0 || r.MaxConns > MaxMaxConns {
		return r, fmt.Errorf("%w: MaxConns %d is outside [1, %d] (0 keeps pgx's default)", ErrInvalidOption, r.MaxConns, MaxMaxConns)
	}
	if r.SweepInterval == 0 {
		r.SweepInterval = DefaultSweepInterval
	}
	switch {
	case r.SweepBatch < 0 || r.SweepBatch > MaxSweepBatch:
		return r, fmt.Errorf("%w: SweepBatch %d is outside [1, %d] (0 means %d)", ErrInvalidOption, r.SweepBatch, MaxSweepBatch, DefaultSweepBatch)
	case r.SweepBatch == 0:
		r.SweepBatch = DefaultSweepBatch
	}
	return r, nil
}

// checkIdent reports why name is not a plain lower-case SQL identifier of
// at most max bytes. Such a name means the same quoted or not, so what an
// operator types in psql finds the table.
func checkIdent(name string, max int) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > max:
		return fmt.Errorf("longer than %d bytes", max)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return errors.New("want a lower-case letter or underscore, then lower-case letters, digits or underscores")
		}
	}
	return nil
}
