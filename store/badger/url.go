package badger

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/livedict/livedict/store"
)

// Scheme is the URL scheme this package registers with [store.Register].
const Scheme = "badger"

func init() {
	store.Register(Scheme, func(ctx context.Context, u *url.URL) (store.Stage, error) {
		s, err := openURL(ctx, u)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return s, nil
	})
}

// OpenURL opens the store a badger URL names:
//
//	badger:///var/lib/app/cache              absolute directory
//	badger:data/cache                        directory relative to the working directory
//	badger:///var/lib/app/cache?sync=false&gc=10m
//
// Query parameters, each at most once:
//
//	sync  a boolean (true, false, 1, 0): false sets [Options.NoSync]; default true
//	gc    a Go duration: [Options.ValueLogGCInterval]; 0 disables GC; default 5m
//
// A URL with a host, a user, a fragment, an unknown or repeated parameter or
// a bad value gives an error matching [ErrInvalidURL]. Escape '?', '#' and
// '%' in a directory name as %3F, %23 and %25. OpenURL checks ctx before
// opening; opening itself is not interruptible.
func OpenURL(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error would quote the whole URL, password included
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return openURL(ctx, u)
}

func openURL(ctx context.Context, u *url.URL) (*Store, error) {
	dir, opts, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Open(dir, opts)
}

// parseURL returns the directory and options u names.
func parseURL(u *url.URL) (string, *Options, error) {
	bad := func(format string, args ...any) (string, *Options, error) {
		return "", nil, fmt.Errorf("%w: %s: %s", ErrInvalidURL, u.Redacted(), fmt.Sprintf(format, args...))
	}
	if u.Scheme != Scheme {
		return bad("scheme is %q, want %q", u.Scheme, Scheme)
	}
	if u.User != nil {
		return bad("a badger URL takes no user or password")
	}
	if u.Host != "" {
		return bad("host %q given: use badger:///absolute/dir (three slashes) or badger:relative/dir", u.Host)
	}
	if u.Fragment != "" {
		return bad("a badger URL takes no fragment")
	}
	dir := u.Path
	if u.Opaque != "" {
		p, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return bad("directory: %v", err)
		}
		dir = p
	}
	if dir == "" {
		return bad("no directory")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: %v", err)
	}
	opts := &Options{}
	for name, vals := range q {
		if len(vals) != 1 {
			return bad("parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "sync":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("sync=%q is not a boolean", v)
			}
			opts.NoSync = !b
		case "gc":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return bad("gc=%q is not a non-negative duration such as 5m", v)
			}
			if d == 0 {
				d = -1 // 0 in a URL disables, as a negative interval does in Options
			}
			opts.ValueLogGCInterval = d
		default:
			return bad("unknown parameter %q (known: sync, gc)", name)
		}
	}
	return dir, opts, nil
}
