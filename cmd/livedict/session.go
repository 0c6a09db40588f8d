package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// configEnv names the configuration file when --config is not given. It
// is the CLI's own variable: config.ApplyEnv, which refuses LIVEDICT_
// variables it does not know, never sees it.
const configEnv = "LIVEDICT_CONFIG"

// configEnviron is the environment config.ApplyEnv reads.
func (e *env) configEnviron() []string {
	return slices.DeleteFunc(slices.Clone(e.environ), func(kv string) bool {
		return strings.HasPrefix(kv, configEnv+"=")
	})
}

// loadFileConfig reads the configuration file as it is, without the
// environment: what rotate-key changes and saves.
func (e *env) loadFileConfig() (config.Config, error) {
	c, err := config.LoadFile(e.g.config)
	if errors.Is(err, fs.ErrNotExist) {
		return c, configErr(fmt.Errorf("configuration %s does not exist (write one with livedict init, or name another with --config or %s)", e.g.config, configEnv))
	}
	return c, configErr(err)
}

// effective lays the environment over c and validates the result. An
// unknown LIVEDICT_ variable that is near no setting (a container's or a
// tool's own) is a warning on stderr, not an error, unless
// LIVEDICT_STRICT_ENV=true (config.StrictEnvVar); a near miss of a setting
// is an error.
func (e *env) effective(c config.Config) (config.Config, error) {
	if err := config.ApplyEnvOptions(&c, e.configEnviron(), config.EnvOptions{Warn: e.warnEnv}); err != nil {
		return c, configErr(fmt.Errorf("environment: %w", err))
	}
	if err := c.Validate(); err != nil {
		return c, configErr(fmt.Errorf("%s: %w", e.g.config, err))
	}
	return c, nil
}

// warnEnv prints a warning about the environment on stderr, once per
// variable however often the configuration is loaded, as one line:
// "livedict: warning: config: NAME: ...".
func (e *env) warnEnv(w config.FieldError) {
	if e.warned[w.Path] {
		return
	}
	if e.warned == nil {
		e.warned = map[string]bool{}
	}
	e.warned[w.Path] = true
	fmt.Fprintln(e.stderr, "livedict: warning: "+oneLine(w.Error()))
}

// loadConfig reads the configuration file, lays the environment over it
// and validates the result.
func (e *env) loadConfig() (config.Config, error) {
	c, err := e.loadFileConfig()
	if err != nil {
		return c, err
	}
	return e.effective(c)
}

// persisting loads the configuration and checks that it persists.
func (e *env) persisting() (config.Config, error) {
	c, err := e.loadConfig()
	if err != nil {
		return c, err
	}
	if c.Persist == nil {
		return c, configErr(fmt.Errorf("%s has no persist section: a memory-only store keeps nothing between runs of livedict", e.g.config))
	}
	return c, nil
}

// session is an open store: the configured one, with its codecs, its
// pipeline and its raw backend.
type session struct {
	cfg   config.Config
	store *livedict.Store[string, any]
	// pipe is the pipeline below memory: compression, encryption, layers,
	// backend. It takes clear keys and encoded values.
	pipe store.Stage
	// raw is the backend below every layer: sealed records.
	raw    store.Stage
	keys   codec.KeyCodec[string]
	values codec.Codec[any]
	// ring is nil for a plaintext store.
	ring *crypto.Keyring
	// nameKey is the name key (the zero Key for a plaintext store).
	nameKey crypto.Key
	// namer names records, as the encrypt layer does; nil for a
	// plaintext store.
	namer *crypto.Namer

	mu       sync.Mutex
	reported error // the first error given to Persist.OnError
}

// openOptions says what a command needs from a session.
type openOptions struct {
	// values: the command decodes or encodes values.
	values bool
	// rawValues: the command also copies values as their codec's bytes,
	// so a gob store is allowed (its values are copied, not decoded).
	rawValues bool
	// layers go right below encryption, above the configured ones.
	layers []layer.Layer
}

// open opens the configured store.
func (e *env) open(ctx context.Context, opts openOptions) (*session, error) {
	c, err := e.persisting()
	if err != nil {
		return nil, err
	}
	if opts.values && !opts.rawValues && c.Persist.Codec == config.CodecGob {
		return nil, errors.New("persist.codec is gob, which cannot be decoded without the program's own Go types; " +
			"livedict reads and writes values of msgpack and json stores only (export --sealed and import --sealed work with any codec)")
	}
	o, err := config.Options[string, any](ctx, c)
	if err != nil {
		return nil, classifyOpen(err)
	}
	s := &session{cfg: c, raw: o.Persist.Backend, keys: keyCodec(e.g.keyType), values: o.Persist.Codec, ring: o.Persist.Keyring, nameKey: o.Persist.NameKey}
	if s.ring != nil {
		s.namer = crypto.NewNamer(o.Persist.NameKey)
	}
	o.Persist.KeyCodec = s.keys
	o.Persist.Layers = append(slices.Clone(opts.layers), o.Persist.Layers...)
	o.Persist.OnError = s.report
	st, err := livedict.New(o)
	if err != nil {
		return nil, errors.Join(err, s.raw.Close())
	}
	s.store = st
	s.pipe = st.Backend()
	// Buckets named on the command line but not in the configuration
	// exist from now on, with the store's settings.
	for _, b := range e.g.buckets {
		st.Bucket(b)
	}
	return s, nil
}

// classifyOpen gives the errors of config.Options their exit codes: those
// about the configuration, its keys and the backend scheme are
// configuration errors; a backend that does not open is a runtime error.
func classifyOpen(err error) error {
	if errors.Is(err, config.ErrInvalidConfig) || errors.Is(err, crypto.ErrBadKey) || errors.Is(err, store.ErrUnknownScheme) {
		return configErr(err)
	}
	return err
}

// report is Persist.OnError: it keeps the first error, so that it is
// printed once, on one line, rather than logged.
func (s *session) report(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reported == nil {
		s.reported = err
	}
}

// firstReported returns the first persistence error the store reported.
func (s *session) firstReported() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reported
}

// close closes the store, flushing what is queued.
func (s *session) close() error { return s.store.Close() }

// closeInto closes s and joins its error to *err.
func (s *session) closeInto(err *error) {
	if cerr := s.close(); cerr != nil {
		*err = errors.Join(*err, fmt.Errorf("close: %w", cerr))
	}
}

// openRaw opens the configured backend alone, for commands that read
// sealed records only (stats, rotate-key --retire): they need no key.
func (e *env) openRaw(ctx context.Context) (config.Config, store.Stage, error) {
	c, err := e.persisting()
	if err != nil {
		return c, nil, err
	}
	st, err := store.Open(ctx, c.Persist.Backend)
	if err != nil {
		return c, nil, classifyOpen(fmt.Errorf("persist.backend: %w", err))
	}
	return c, st, nil
}

// allBuckets returns the buckets a command that covers the whole store
// visits: the default bucket, every bucket the configuration declares,
// every bucket named with --bucket, and every bucket the backend lists
// (store.BucketLister, reached from st through the layers, which keep
// bucket names as they are), declared or not.
func (e *env) allBuckets(ctx context.Context, c config.Config, st store.Stage) ([]string, error) {
	set := map[string]bool{"": true}
	for b := range c.Buckets {
		set[b] = true
	}
	for _, b := range e.g.buckets {
		set[b] = true
	}
	if l, ok := store.As[store.BucketLister](st); ok {
		for b, err := range l.Buckets(ctx) {
			if err != nil {
				return nil, fmt.Errorf("list buckets: %w", err)
			}
			set[b] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// persisted reports whether the configuration persists bucket.
func persisted(c config.Config, bucket string) bool {
	if c.Persist == nil {
		return false
	}
	p := c.Buckets[bucket].Persistence
	if p == "" || p == config.PersistDefault {
		p = c.Persist.Mode
	}
	return p != config.PersistNone
}

// requirePersisted fails for a bucket the configuration keeps in memory
// only: writing to it from here would reach nothing.
func requirePersisted(c config.Config, bucket string) error {
	if persisted(c, bucket) {
		return nil
	}
	return fmt.Errorf("bucket %s is not persisted (its persistence is none), so livedict cannot reach it", showBucket(bucket))
}

// showBucket quotes a bucket name for messages; the default bucket is "".
func showBucket(b string) string { return fmt.Sprintf("%q", b) }

// codecName is the configured codec's name.
func (s *session) codecName() string { return cmp.Or(s.cfg.Persist.Codec, config.CodecMsgpack) }

// storeName is the name sealed records are bound to: Config.Name, or
// "livedict", the default config and livedict document.
func (s *session) storeName() string { return cmp.Or(s.cfg.Name, "livedict") }
