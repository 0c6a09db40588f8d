package fs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"math"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/livedict/livedict/store"
)

func init() {
	store.Register("file", func(ctx context.Context, u *url.URL) (store.Stage, error) {
		s, err := openURL(ctx, u)
		if err != nil {
			return nil, err // not a nil *Store in a non-nil Stage
		}
		return s, nil
	})
}

// OpenURL opens the store that rawURL names, of the form
//
//	file:///abs/dir?sweep=1m&nosync=false&fileperm=0600&dirperm=0700&maxrecordsize=67108864
//
// The path must be absolute; the host must be empty or "localhost". Query
// parameters, all optional, set [Options]: sweep (a time.ParseDuration
// string, SweepInterval), nosync (a strconv.ParseBool string, NoSync),
// fileperm and dirperm (octal, 1 to 0777, FilePerm and DirPerm) and
// maxrecordsize (decimal bytes, 41 to 2^63-1, MaxRecordSize). A URL that is
// malformed, names another host, or carries a user, a fragment, an unknown
// parameter or a bad value gives an error matching [ErrInvalidURL]; errors
// never quote a password. Importing this package also registers the "file"
// scheme with [store.Open].
func OpenURL(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// *url.Error quotes the URL whole, password included: keep only
		// the reason.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	return openURL(ctx, u)
}

func openURL(ctx context.Context, u *url.URL) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir, opts, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	s, err := Open(dir, opts)
	if errors.Is(err, ErrInvalidOptions) {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return s, err
}

// parseURL returns the directory and options u names.
func parseURL(u *url.URL) (string, *Options, error) {
	bad := func(format string, args ...any) (string, *Options, error) {
		return "", nil, fmt.Errorf("%w: %s", ErrInvalidURL, fmt.Sprintf(format, args...))
	}
	switch {
	case u.Scheme != "file":
		return bad("scheme %q, want file", u.Scheme)
	case u.User != nil:
		return bad("a file URL takes no user or password")
	case u.Host != "" && u.Host != "localhost":
		return bad("host %q: only local directories are supported", u.Host)
	case u.Opaque != "":
		return bad("the path must be absolute, as in file:///var/lib/app")
	case u.Fragment != "":
		return bad("a file URL takes no fragment")
	}
	dir := u.Path
	if runtime.GOOS == "windows" && len(dir) >= 3 && dir[0] == '/' && dir[2] == ':' {
		dir = dir[1:] // file:///C:/dir
	}
	dir = filepath.FromSlash(dir)
	if dir == "" || !filepath.IsAbs(dir) {
		return bad("the path must be absolute, as in file:///var/lib/app")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: %v", err)
	}
	var o Options
	for name, vals := range q {
		if len(vals) != 1 {
			return bad("parameter %q given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "sweep":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return bad("sweep=%q: want a duration such as 1m, or 0 for none", v)
			}
			o.SweepInterval = d
		case "nosync":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("nosync=%q: want true or false", v)
			}
			o.NoSync = b
		case "fileperm", "dirperm":
			p, err := strconv.ParseUint(v, 8, 32)
			if err != nil || p == 0 || p > 0o777 {
				return bad("%s=%q: want octal permission bits such as 0600", name, v)
			}
			if name == "fileperm" {
				o.FilePerm = iofs.FileMode(p)
			} else {
				o.DirPerm = iofs.FileMode(p)
			}
		case "maxrecordsize":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < headerSize+trailerSize {
				return bad("maxrecordsize=%q: want a number of bytes from %d to %d", v, headerSize+trailerSize, int64(math.MaxInt64))
			}
			o.MaxRecordSize = n
		default:
			return bad("unknown parameter %q (known: sweep, nosync, fileperm, dirperm, maxrecordsize)", name)
		}
	}
	return dir, &o, nil
}
