package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
)

// ErrUnknownScheme is matched by the error [Open] returns for a URL whose
// scheme no imported backend registered.
var ErrUnknownScheme = errors.New("store: unknown URL scheme")

// Opener opens a backend from a parsed URL. Backends register one per scheme
// with [Register], usually from an init function, as database/sql drivers do.
type Opener func(ctx context.Context, u *url.URL) (Stage, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Opener{}
)

// knownModules names the module that registers each scheme of the backends
// LiveDict ships, so that Open can say which import is missing.
var knownModules = map[string]string{
	"file":           "github.com/livedict/livedict/store/fs",
	"sqlite":         "github.com/livedict/livedict/store/sqlite",
	"badger":         "github.com/livedict/livedict/store/badger",
	"redis":          "github.com/livedict/livedict/store/redis",
	"rediss":         "github.com/livedict/livedict/store/redis",
	"redis+cluster":  "github.com/livedict/livedict/store/redis",
	"redis+sentinel": "github.com/livedict/livedict/store/redis",
	"postgres":       "github.com/livedict/livedict/store/postgres",
	"postgresql":     "github.com/livedict/livedict/store/postgres",
	"mem":            "github.com/livedict/livedict/store",
}

func init() {
	Register("mem", func(ctx context.Context, u *url.URL) (Stage, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return NewMemory(), nil
	})
}

// Register makes opener available to [Open] for URLs with the given scheme
// (lower case, without "://"). It panics if scheme is empty, opener is nil or
// the scheme is already registered: both are programming errors found at
// start-up.
func Register(scheme string, opener Opener) {
	if scheme == "" || opener == nil {
		panic("store: Register with an empty scheme or a nil opener")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("store: Register called twice for scheme " + scheme)
	}
	registry[scheme] = opener
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	s := make([]string, 0, len(registry))
	for k := range registry {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Open opens the backend that rawURL names, such as "sqlite:///var/lib/app.db"
// or "redis://127.0.0.1:6379/0", through the opener registered for its
// scheme. The backend's module must be imported (a blank import is enough);
// when it is not, the error matches [ErrUnknownScheme] and names the module
// to import. "mem://" opens a [Memory] backend. Errors never quote the URL's
// password.
func Open(ctx context.Context, rawURL string) (Stage, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: parse backend URL: %w", redactURLError(err))
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("%w: %q has no scheme (want for example sqlite:///path/to.db)", ErrUnknownScheme, u.Redacted())
	}
	registryMu.RLock()
	opener := registry[u.Scheme]
	registryMu.RUnlock()
	if opener == nil {
		if mod, ok := knownModules[u.Scheme]; ok {
			return nil, fmt.Errorf("%w: %q: import _ %q to register it", ErrUnknownScheme, u.Scheme, mod)
		}
		return nil, fmt.Errorf("%w: %q (registered: %v)", ErrUnknownScheme, u.Scheme, Schemes())
	}
	return opener(ctx, u)
}

// redactURLError drops the URL from a *url.Error, which would quote it whole,
// password included.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
