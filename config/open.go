package config

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// Options validates c, reads its keys, opens its backend and returns the
// livedict.Options it describes, for livedict.New. Set what a
// configuration cannot hold (hooks, Options.Loader, Persist.OnError,
// Persist.KeyCodec for other key types, extra Persist.Layers) on the
// result before calling New.
//
// The returned Options hold the open backend (Persist.Backend): pass them
// to livedict.New, which owns it from then on, or close it.
//
// Errors: a *ValidationError from Validate; an error matching
// crypto.ErrBadKey, naming the key by its path, for a key that cannot be
// read (it never holds key material); and the backend's error for one
// that does not open, matching store.ErrUnknownScheme and naming the
// module to import when no imported module registered the URL's scheme.
// Keys are read before the backend is opened.
func Options[K comparable, V any](ctx context.Context, c Config) (*livedict.Options[K, V], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	o := &livedict.Options[K, V]{
		DefaultTTL:    time.Duration(max(c.DefaultTTL, 0)), // "never" is 0 for the store
		MaxKeys:       c.MaxKeys,
		Policy:        policies[c.Policy],
		Shards:        c.Shards,
		RequireBucket: c.RequireBucket,
		ReadStats:     c.ReadStats,
	}
	if len(c.Buckets) > 0 {
		o.Buckets = make(map[string]livedict.BucketOptions, len(c.Buckets))
		for name, b := range c.Buckets {
			o.Buckets[name] = livedict.BucketOptions{
				DefaultTTL:  time.Duration(b.DefaultTTL), // Never is livedict.NoExpiry
				MaxKeys:     b.MaxKeys,
				Persistence: bucketPersistence[b.Persistence],
			}
		}
	}
	if c.Persist == nil {
		return o, nil
	}
	p, err := persistOptions[K, V](ctx, c.Name, c.Persist)
	if err != nil {
		return nil, err
	}
	o.Persist = p
	return o, nil
}

// Open opens the store c describes: Options, then livedict.New. Close the
// store when done; it closes the backend. On error nothing is left open.
func Open[K comparable, V any](ctx context.Context, c Config) (*livedict.Store[K, V], error) {
	o, err := Options[K, V](ctx, c)
	if err != nil {
		return nil, err
	}
	// A New that fails closes the backend itself (livedict.Persist.Backend).
	return livedict.New(o)
}

func persistOptions[K comparable, V any](ctx context.Context, name string, cp *Persist) (*livedict.Persist[K, V], error) {
	p := &livedict.Persist[K, V]{
		Name:          name,
		Mode:          persistModes[cp.Mode],
		QueueSize:     cp.QueueSize,
		FlushInterval: time.Duration(cp.FlushInterval),
		WhenFull:      whenFull[cp.WhenFull],
		BlockTimeout:  time.Duration(cp.BlockTimeout),
		Retries:       cp.Retries,
		RetryBackoff:  time.Duration(cp.RetryBackoff),
		Timeout:       time.Duration(cp.Timeout),
		Plaintext:     cp.Encryption.Plaintext,
	}
	switch cp.Codec {
	case CodecJSON:
		p.Codec = codec.JSON[V]()
	case CodecGob:
		p.Codec = codec.Gob[V]()
	default:
		p.Codec = codec.Msgpack[V]()
	}
	if c := compressions[cp.Compression.Algorithm]; c.ok {
		p.Compress = &layer.CompressOptions{Algorithm: c.alg, MinSize: cp.Compression.MinSize}
	}
	if b := cp.Breaker; b != nil {
		p.Layers = []layer.Layer{layer.Breaker(layer.BreakerOptions{
			Timeout:  time.Duration(b.Timeout), // Never is negative: no deadline
			Failures: b.Failures,
			Cooldown: time.Duration(b.Cooldown),
		})}
	}
	if !cp.Encryption.Plaintext {
		kr, nameKey, err := loadKeys(&cp.Encryption)
		if err != nil {
			return nil, err
		}
		p.Keyring, p.NameKey = kr, nameKey
	}
	backend, err := store.Open(ctx, cp.Backend)
	if err != nil {
		return nil, fmt.Errorf("config: persist.backend: %w", err)
	}
	p.Backend = backend
	return p, nil
}

// loadKeys reads the keyring and the name key. Validate has checked their
// shape.
func loadKeys(e *Encryption) (*crypto.Keyring, crypto.Key, error) {
	primary := e.Primary
	if primary == 0 {
		primary = e.Keys[0].ID
	}
	keys := make(map[uint32]crypto.Key, len(e.Keys))
	for i, k := range e.Keys {
		key, err := readKey(fmt.Sprintf("persist.encryption.keys[%d]", i), k.Source())
		if err != nil {
			return nil, crypto.Key{}, fmt.Errorf("config: persist.encryption.keys[%d] (id %d): %w", i, k.ID, err)
		}
		keys[k.ID] = key
	}
	kr, err := crypto.NewKeyring(algorithms[e.Algorithm], primary, keys[primary])
	if err != nil {
		return nil, crypto.Key{}, fmt.Errorf("config: persist.encryption.keys: %w", err)
	}
	for _, k := range e.Keys {
		if err := kr.Add(k.ID, keys[k.ID]); err != nil {
			return nil, crypto.Key{}, fmt.Errorf("config: persist.encryption.keys: %w", err)
		}
	}
	nameKey, err := readKey("persist.encryption.name_key", e.NameKey)
	if err != nil {
		return nil, crypto.Key{}, fmt.Errorf("config: persist.encryption.name_key: %w", err)
	}
	return kr, nameKey, nil
}

// readKey reads the key a source at path names. Errors never hold key
// material: a variable name or file path that could be a key pasted by
// mistake (see shownEnvName, shownFilePath) is replaced by the field's
// path.
func readKey(path string, s KeySource) (crypto.Key, error) {
	switch {
	case s.Env != "":
		k, err := crypto.KeyFromEnv(s.Env)
		if !shownEnvName(s.Env) {
			err = hide(err, s.Env, "<"+path+".env>")
		}
		return k, err
	case s.File != "":
		k, err := crypto.KeyFromFile(s.File)
		if !shownFilePath(s.File) {
			err = hide(err, s.File, "<"+path+".file>")
		}
		return k, err
	}
	// Inline text: 64 characters can only be hex (base64 of 32 bytes is
	// 43 or 44), anything else is tried as base64.
	v := strings.TrimSpace(string(s.Value))
	if len(v) == 2*crypto.KeySize {
		return crypto.KeyFromHex(v)
	}
	return crypto.KeyFromBase64(v)
}

// hiddenError is an error whose message does not show a value.
type hiddenError struct {
	msg string
	err error
}

func (e *hiddenError) Error() string { return e.msg }
func (e *hiddenError) Unwrap() error { return e.err }

// hide replaces value in err's message with as; errors.Is and errors.As
// still see err.
func hide(err error, value, as string) error {
	if err == nil || !strings.Contains(err.Error(), value) {
		return err
	}
	return &hiddenError{msg: strings.ReplaceAll(err.Error(), value, as), err: err}
}
