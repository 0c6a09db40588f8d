package config

import (
	"fmt"
	"time"
)

// Builder assembles a Config in code, one call per setting:
//
//	c, err := config.New().
//		DefaultTTL(5 * time.Minute).
//		MaxKeys(1e5).Evict().
//		Bucket("sessions", config.Bucket{DefaultTTL: config.Duration(30 * time.Minute)}).
//		Backend("sqlite:///var/lib/app/live.db").
//		KeyFromEnv(1, "LIVEDICT_KEY").NameKeyFromEnv("LIVEDICT_NAME_KEY").
//		Build()
//
// Methods return the Builder so that calls chain; nothing is checked until
// Build. The persistence methods (Backend and those after it) create the
// persist section. A Builder is not safe for concurrent use.
type Builder struct {
	c   Config
	err error
}

// New returns a Builder starting from the zero Config.
func New() *Builder { return &Builder{} }

// From returns a Builder starting from a copy of c.
func From(c Config) *Builder { return &Builder{c: c.clone()} }

// Preset replaces everything set so far with the named preset; call it
// first. An unknown name makes Build fail with ErrUnknownPreset.
func (b *Builder) Preset(name string) *Builder {
	c, err := Preset(name)
	if err != nil {
		b.err = err
		return b
	}
	b.c = c
	return b
}

// DefaultTTL sets Config.DefaultTTL.
func (b *Builder) DefaultTTL(d time.Duration) *Builder { b.c.DefaultTTL = Duration(d); return b }

// Shards sets Config.Shards.
func (b *Builder) Shards(n int) *Builder { b.c.Shards = n; return b }

// MaxKeys sets Config.MaxKeys.
func (b *Builder) MaxKeys(n int) *Builder { b.c.MaxKeys = n; return b }

// Reject sets Config.Policy to "reject".
func (b *Builder) Reject() *Builder { b.c.Policy = PolicyReject; return b }

// Evict sets Config.Policy to "evict".
func (b *Builder) Evict() *Builder { b.c.Policy = PolicyEvict; return b }

// RequireBucket sets Config.RequireBucket.
func (b *Builder) RequireBucket() *Builder { b.c.RequireBucket = true; return b }

// ReadStats sets Config.ReadStats.
func (b *Builder) ReadStats() *Builder { b.c.ReadStats = true; return b }

// Name sets Config.Name.
func (b *Builder) Name(name string) *Builder { b.c.Name = name; return b }

// Bucket declares the bucket name, replacing an earlier declaration.
func (b *Builder) Bucket(name string, o Bucket) *Builder {
	if b.c.Buckets == nil {
		b.c.Buckets = make(map[string]Bucket)
	}
	b.c.Buckets[name] = o
	return b
}

func (b *Builder) persist() *Persist { return persistOf(&b.c) }

// Backend sets Persist.Backend, the backend's URL.
func (b *Builder) Backend(url string) *Builder { b.persist().Backend = url; return b }

// KeyFromEnv adds key id, read from the environment variable env when the
// store is opened.
func (b *Builder) KeyFromEnv(id uint32, env string) *Builder {
	e := &b.persist().Encryption
	e.Keys = append(e.Keys, KeyRef{ID: id, Env: env})
	return b
}

// KeyFromFile adds key id, read from the file at path when the store is
// opened.
func (b *Builder) KeyFromFile(id uint32, path string) *Builder {
	e := &b.persist().Encryption
	e.Keys = append(e.Keys, KeyRef{ID: id, File: path})
	return b
}

// PrimaryKey sets Encryption.Primary, the id of the key that seals.
func (b *Builder) PrimaryKey(id uint32) *Builder { b.persist().Encryption.Primary = id; return b }

// NameKeyFromEnv sets Encryption.NameKey to the environment variable env.
func (b *Builder) NameKeyFromEnv(env string) *Builder {
	b.persist().Encryption.NameKey = KeySource{Env: env}
	return b
}

// NameKeyFromFile sets Encryption.NameKey to the file at path.
func (b *Builder) NameKeyFromFile(path string) *Builder {
	b.persist().Encryption.NameKey = KeySource{File: path}
	return b
}

// EncryptionAlgorithm sets Encryption.Algorithm: "aes-256-gcm" or
// "xchacha20-poly1305".
func (b *Builder) EncryptionAlgorithm(name string) *Builder {
	b.persist().Encryption.Algorithm = name
	return b
}

// Plaintext sets Encryption.Plaintext: records are stored unencrypted.
func (b *Builder) Plaintext() *Builder { b.persist().Encryption.Plaintext = true; return b }

// Compression sets the compression algorithm ("none", "s2" or "zstd")
// and the size below which values are not compressed (0 means 256).
func (b *Builder) Compression(algorithm string, minSize int) *Builder {
	b.persist().Compression = Compression{Algorithm: algorithm, MinSize: minSize}
	return b
}

// Codec sets Persist.Codec: "msgpack", "json" or "gob".
func (b *Builder) Codec(name string) *Builder { b.persist().Codec = name; return b }

// WriteBehind sets Persist.Mode to "write-behind".
func (b *Builder) WriteBehind() *Builder { b.persist().Mode = PersistWriteBehind; return b }

// WriteThrough sets Persist.Mode to "write-through".
func (b *Builder) WriteThrough() *Builder { b.persist().Mode = PersistWriteThrough; return b }

// PersistNone sets Persist.Mode to "none": only buckets that ask for
// persistence persist.
func (b *Builder) PersistNone() *Builder { b.persist().Mode = PersistNone; return b }

// QueueSize sets Persist.QueueSize.
func (b *Builder) QueueSize(n int) *Builder { b.persist().QueueSize = n; return b }

// FlushInterval sets Persist.FlushInterval.
func (b *Builder) FlushInterval(d time.Duration) *Builder {
	b.persist().FlushInterval = Duration(d)
	return b
}

// DropWhenFull sets Persist.WhenFull to "drop".
func (b *Builder) DropWhenFull() *Builder { b.persist().WhenFull = WhenFullDrop; return b }

// BlockWhenFull sets Persist.WhenFull to "block", waiting at most timeout
// (0 means 1s).
func (b *Builder) BlockWhenFull(timeout time.Duration) *Builder {
	p := b.persist()
	p.WhenFull, p.BlockTimeout = WhenFullBlock, Duration(timeout)
	return b
}

// Retries sets Persist.Retries and Persist.RetryBackoff.
func (b *Builder) Retries(n int, backoff time.Duration) *Builder {
	p := b.persist()
	p.Retries, p.RetryBackoff = n, Duration(backoff)
	return b
}

// PersistTimeout sets Persist.Timeout.
func (b *Builder) PersistTimeout(d time.Duration) *Builder {
	b.persist().Timeout = Duration(d)
	return b
}

// Breaker puts a circuit breaker in front of the backend.
func (b *Builder) Breaker(o Breaker) *Builder { b.persist().Breaker = &o; return b }

// Build returns the configuration, or the errors of Validate (every bad
// setting, with its path) or of an unknown Preset. The Builder can be
// used again; the Config returned does not share memory with it.
func (b *Builder) Build() (Config, error) {
	if b.err != nil {
		return Config{}, fmt.Errorf("config: builder: %w", b.err)
	}
	c := b.c.clone()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
