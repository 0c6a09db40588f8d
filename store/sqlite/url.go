package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OpenURL opens the database a "sqlite:" URL names, as [Open] does. The
// path of an absolute file goes after three slashes, a relative path after
// the colon alone:
//
//	sqlite:///var/lib/app/live.db?synchronous=full&busy_timeout=5s&readers=4&sweep=1m
//	sqlite:data/live.db            (relative to the working directory)
//
// Percent-escapes in the path are decoded. The host must be empty (or
// "localhost"): "sqlite://live.db" is refused rather than guessed at, since
// it names a host. Query parameters, each at most once:
//
//	synchronous   normal (default) or full                      Options.Synchronous
//	busy_timeout  a Go duration such as 5s, or milliseconds     Options.BusyTimeout
//	readers       reader connections, 1 to 256 (default 4)      Options.Readers
//	sweep         sweeper interval such as 1m; 0 disables it    Options.SweepInterval
//
// A URL it cannot use gives an error matching [ErrInvalidURL]; a bad
// parameter value matches [ErrInvalidOption] too. Importing this package
// also registers the scheme with store.Open, which calls OpenURL.
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
	path, opts, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return open(ctx, path, &opts)
}

// parseURL returns the file path and options u names. Its errors never
// quote user information.
func parseURL(u *url.URL) (string, Options, error) {
	var o Options
	bad := func(format string, args ...any) (string, Options, error) {
		return "", o, fmt.Errorf("%w: "+format, append([]any{ErrInvalidURL}, args...)...)
	}
	switch {
	case u.Scheme != "sqlite":
		return bad("scheme %q, want sqlite", u.Scheme)
	case u.User != nil:
		return bad("user information is not allowed")
	case u.Fragment != "" || u.RawFragment != "":
		return bad("a fragment is not allowed")
	case u.Host != "" && u.Host != "localhost":
		return bad("host %q: write sqlite:///absolute/path or sqlite:relative/path", u.Host)
	}
	path := u.Path
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return bad("path: %w", err)
		}
		path = p
	}
	if path == "" {
		return bad("no file path")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: %w", err)
	}
	for name, vals := range q {
		if len(vals) != 1 {
			return bad("parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		badValue := func(want string) (string, Options, error) {
			return "", o, fmt.Errorf("%w: %w: %s=%q: want %s", ErrInvalidURL, ErrInvalidOption, name, v, want)
		}
		switch name {
		case "synchronous":
			switch strings.ToLower(v) {
			case "normal":
				o.Synchronous = SynchronousNormal
			case "full":
				o.Synchronous = SynchronousFull
			default:
				return badValue("normal or full")
			}
		case "busy_timeout":
			d, ok := parseMillisOrDuration(v)
			if !ok || d <= 0 {
				return badValue("a positive duration such as 5s, or milliseconds")
			}
			o.BusyTimeout = d
		case "readers":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxReaders {
				return badValue(fmt.Sprintf("an integer from 1 to %d", MaxReaders))
			}
			o.Readers = n
		case "sweep":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return badValue("a duration such as 1m, or 0 to disable sweeping")
			}
			if d == 0 {
				d = -1 // Options spells "disabled" as negative
			}
			o.SweepInterval = d
		default:
			return bad("unknown parameter %q (known: synchronous, busy_timeout, readers, sweep)", name)
		}
	}
	if _, err := o.resolved(); err != nil {
		return "", o, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return path, o, nil
}

// parseMillisOrDuration accepts a Go duration or a bare integer of
// milliseconds, SQLite's own unit for busy_timeout.
func parseMillisOrDuration(v string) (time.Duration, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > int64(time.Duration(1<<62)/time.Millisecond) {
			return 0, false
		}
		return time.Duration(n) * time.Millisecond, true
	}
	d, err := time.ParseDuration(v)
	return d, err == nil
}
