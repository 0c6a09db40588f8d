package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenURL opens the Store a "postgres://" or "postgresql://" URL names, as
// [Open] does:
//
//	postgres://app:secret@db.internal:5432/app?sslmode=verify-full&schema=cache&table=sessions&max_conns=16&sweep=1m
//
// These query parameters are LiveDict's, each at most once; the URL
// reaches pgx without them:
//
//	schema       the schema of the tables (default: the search_path)   Options.Schema
//	table        the records table (default livedict_records)          Options.Table
//	max_conns    pool size, 1 to 1000 (default: pgx's)                 Options.MaxConns
//	sweep        sweeper interval such as 1m; 0 disables it            Options.SweepInterval
//	sweep_batch  rows per sweep statement, 1 to 100000 (default 1000)  Options.SweepBatch
//
// Every other parameter is pgx's: libpq's (sslmode, connect_timeout,
// application_name, ...), pgx's pool_* ones, or a server setting
// (search_path, statement_timeout) sent when each connection starts.
// max_conns and pool_max_conns say the same thing; give one.
//
// A URL it cannot use gives an error matching [ErrInvalidURL]; a bad
// parameter value matches [ErrInvalidOption] too. Errors never quote the
// password. Importing this package registers both schemes with
// store.Open, which calls OpenURL.
func OpenURL(ctx context.Context, rawURL string) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// A *url.Error quotes the whole URL; keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return openURL(ctx, u)
}

func openURL(ctx context.Context, u *url.URL) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg, o, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return openConfig(ctx, cfg, o)
}

// urlParams are the query parameters parseURL takes for itself.
var urlParams = []string{"schema", "table", "max_conns", "sweep", "sweep_batch"}

// parseURL returns the pool configuration and the resolved options u
// names. Its errors never quote the password.
func parseURL(u *url.URL) (*pgxpool.Config, Options, error) {
	var o Options
	bad := func(format string, args ...any) (*pgxpool.Config, Options, error) {
		return nil, o, fmt.Errorf("%w: "+format, append([]any{ErrInvalidURL}, args...)...)
	}
	switch {
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return bad("scheme %q, want postgres or postgresql", u.Scheme)
	case u.Opaque != "":
		return bad("want postgres://host/database")
	case u.Fragment != "" || u.RawFragment != "":
		return bad("a fragment is not allowed")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: %w", err)
	}
	for _, name := range urlParams {
		vals, ok := q[name]
		if !ok {
			continue
		}
		delete(q, name)
		if len(vals) != 1 {
			return bad("parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		badValue := func(want string) (*pgxpool.Config, Options, error) {
			return nil, o, fmt.Errorf("%w: %w: %s=%q: want %s", ErrInvalidURL, ErrInvalidOption, name, v, want)
		}
		switch name {
		case "schema":
			o.Schema = v
		case "table":
			o.Table = v
		case "max_conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxMaxConns {
				return badValue(fmt.Sprintf("an integer from 1 to %d (Options.MaxConns)", MaxMaxConns))
			}
			if _, both := q["pool_max_conns"]; both {
				return bad("max_conns and pool_max_conns both given: give one")
			}
			o.MaxConns = n
		case "sweep":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return badValue("a duration such as 1m, or 0 to disable sweeping (Options.SweepInterval)")
			}
			if d == 0 {
				d = -1 // Options spells "disabled" as negative
			}
			o.SweepInterval = d
		case "sweep_batch":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxSweepBatch {
				return badValue(fmt.Sprintf("an integer from 1 to %d (Options.SweepBatch)", MaxSweepBatch))
			}
			o.SweepBatch = n
		}
	}
	r, err := o.resolved()
	if err != nil {
		return nil, o, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	rest := *u
	rest.RawQuery = q.Encode()
	cfg, err := pgxpool.ParseConfig(rest.String())
	if err != nil {
		return nil, o, fmt.Errorf("%w: %s", ErrInvalidURL, redact(err, u))
	}
	return cfg, r, nil
}

// redact returns pgx's message for err unless it quotes a password given
// in u (as user information or a password parameter), which pgx's own
// redaction may miss in a connection string it cannot parse.
func redact(err error, u *url.URL) string {
	msg := err.Error()
	pws := u.Query()["password"]
	if pw, ok := u.User.Password(); ok {
		pws = append(pws, pw)
	}
	for _, pw := range pws {
		if pw != "" && strings.Contains(msg, pw) {
			return "pgx refused the connection string (its message is left out: it quotes the password)"
		}
	}
	return msg
}
