package config

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
)

// Config describes a store in data: everything about a livedict.Store that
// can be set without writing code. The zero Config is valid and describes
// an unbounded memory-only store whose entries never expire unless a TTL is
// given, like livedict.New(nil).
//
// An empty or zero field means the default that livedict.Options and
// livedict.Persist document; docs/configuration.md lists every field with
// its default, its environment variable and its value in each preset.
// Names are case-sensitive, snake_case in JSON and YAML.
type Config struct {
	// DefaultTTL is the TTL of writes that give none. Zero (the default)
	// and "never" mean entries do not expire unless a TTL is given.
	DefaultTTL Duration `json:"default_ttl,omitzero" yaml:"default_ttl,omitempty"`
	// Shards is the number of write shards: 0 (the default, about
	// 4×GOMAXPROCS) or a power of two up to 1024.
	Shards int `json:"shards,omitempty" yaml:"shards,omitempty"`
	// MaxKeys bounds the entries of the whole store; 0 means no bound.
	MaxKeys int `json:"max_keys,omitempty" yaml:"max_keys,omitempty"`
	// Policy is what a write does at MaxKeys: "reject" (the default; the
	// write fails with livedict.ErrFull) or "evict" (S3-FIFO makes room;
	// needs MaxKeys > 0).
	Policy string `json:"policy,omitempty" yaml:"policy,omitempty"`
	// RequireBucket makes writes to the default bucket fail: every key must
	// live in a named bucket.
	RequireBucket bool `json:"require_bucket,omitempty" yaml:"require_bucket,omitempty"`
	// ReadStats makes reads count hits and misses (it costs an atomic add
	// per read).
	ReadStats bool `json:"read_stats,omitempty" yaml:"read_stats,omitempty"`
	// Name names the store. Sealed records are bound to it, so a record
	// copied from one store's backend does not open in another's. Empty
	// means "livedict". Only used with Persist.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Buckets declares buckets with settings of their own, by name. The
	// default bucket ("") cannot be listed: it takes the store's settings.
	Buckets map[string]Bucket `json:"buckets,omitempty" yaml:"buckets,omitempty"`
	// Persist makes the store persist to a backend. Nil (the default)
	// keeps everything in memory only.
	Persist *Persist `json:"persist,omitempty" yaml:"persist,omitempty"`
}

// Bucket configures one bucket, as livedict.BucketOptions does.
type Bucket struct {
	// DefaultTTL of the bucket's writes that give none. Zero means the
	// store's DefaultTTL; "never" means the bucket's entries do not expire
	// by default, whatever the store's DefaultTTL.
	DefaultTTL Duration `json:"default_ttl,omitzero" yaml:"default_ttl,omitempty"`
	// MaxKeys bounds the bucket's entries; writes past it always fail with
	// livedict.ErrFull, whatever the store's Policy. 0 means no bound.
	MaxKeys int `json:"max_keys,omitempty" yaml:"max_keys,omitempty"`
	// Persistence is "default" (or empty: the store's Persist.Mode),
	// "none", "write-behind" or "write-through". The last two need Persist.
	Persistence string `json:"persistence,omitempty" yaml:"persistence,omitempty"`
}

// Persist configures persistence, as livedict.Persist does. Its
// pipeline is fixed: codec, then compression, then encryption, then the
// breaker, then the backend.
type Persist struct {
	// Backend is the URL of the backend, such as "sqlite:///var/lib/app.db",
	// "file:///var/lib/app", "badger:///var/lib/app",
	// "redis://127.0.0.1:6379/0" or "mem://". Required. Its scheme must be
	// registered by a backend module the application imports (see
	// store.Open); errors never quote the URL's password.
	Backend string `json:"backend,omitempty" yaml:"backend,omitempty"`
	// Encryption says how records are sealed. Keys are required unless
	// Plaintext is set: there is no silent unencrypted fallback.
	Encryption Encryption `json:"encryption,omitzero" yaml:"encryption,omitempty"`
	// Compression compresses values before they are sealed. The zero value
	// compresses nothing.
	Compression Compression `json:"compression,omitzero" yaml:"compression,omitempty"`
	// Codec encodes values: "msgpack" (the default), "json" or "gob".
	Codec string `json:"codec,omitempty" yaml:"codec,omitempty"`
	// Mode is the persistence of buckets that do not choose their own:
	// "write-behind" (the default), "write-through" or "none".
	Mode string `json:"mode,omitempty" yaml:"mode,omitempty"`
	// QueueSize bounds the write-behind queue. 0 means 65536.
	QueueSize int `json:"queue_size,omitempty" yaml:"queue_size,omitempty"`
	// FlushInterval is how long a write-behind write may wait for the
	// flusher. 0 means 100ms.
	FlushInterval Duration `json:"flush_interval,omitzero" yaml:"flush_interval,omitempty"`
	// WhenFull is what a write-behind write does when the queue is full:
	// "block" (the default, at most BlockTimeout), "drop" or "fail" (see
	// livedict.FullPolicy).
	WhenFull string `json:"when_full,omitempty" yaml:"when_full,omitempty"`
	// BlockTimeout bounds the wait of "block". 0 means 1s.
	BlockTimeout Duration `json:"block_timeout,omitzero" yaml:"block_timeout,omitempty"`
	// Retries is how many times a failed write is tried again before it
	// is given up. 0 means 5; -1 (livedict.NoRetry) means none.
	Retries int `json:"retries,omitempty" yaml:"retries,omitempty"`
	// RetryBackoff is the wait after a failed batch, doubled per failure up
	// to 32×. 0 means 100ms.
	RetryBackoff Duration `json:"retry_backoff,omitzero" yaml:"retry_backoff,omitempty"`
	// Timeout bounds each backend call made without a caller's context.
	// 0 means 5s.
	Timeout Duration `json:"timeout,omitzero" yaml:"timeout,omitempty"`
	// Breaker, when set, puts a circuit breaker (layer.Breaker) in front of
	// the backend: every call gets a deadline, and a backend that keeps
	// failing is not called until a cooldown has passed.
	Breaker *Breaker `json:"breaker,omitempty" yaml:"breaker,omitempty"`
}

// Encryption configures how records are sealed (package crypto).
type Encryption struct {
	// Keys is the keyring: every key opens records, the Primary one seals.
	// Required unless Plaintext is set.
	Keys []KeyRef `json:"keys,omitempty" yaml:"keys,omitempty"`
	// Primary is the id of the key that seals. It may be left 0 when there
	// is one key.
	Primary uint32 `json:"primary,omitempty" yaml:"primary,omitempty"`
	// Algorithm is "aes-256-gcm" (the default) or "xchacha20-poly1305".
	Algorithm string `json:"algorithm,omitempty" yaml:"algorithm,omitempty"`
	// NameKey keys the hash that names records in the backend, so keys
	// never reach it in clear. Required unless Plaintext is set. It cannot
	// be rotated: with another NameKey, stored records are not found.
	NameKey KeySource `json:"name_key,omitzero" yaml:"name_key,omitempty"`
	// Plaintext stores keys and values unencrypted. It must be asked for:
	// Keys and NameKey must then be empty.
	Plaintext bool `json:"plaintext,omitempty" yaml:"plaintext,omitempty"`
	// AllowInlineSecrets allows key material written in the configuration
	// itself (KeySource.Value). Off by default: configuration files end up
	// in version control, logs and support tickets; keys belong in the
	// environment or in files only the service can read.
	AllowInlineSecrets bool `json:"allow_inline_secrets,omitempty" yaml:"allow_inline_secrets,omitempty"`
}

// KeySource says where a 32-byte key is read from, when the store is
// opened: exactly one of Env (the name of a variable of the process's
// environment holding 64 hex digits or base64), File (a file holding the
// 32 raw bytes, or hex or base64 text) or Value (hex or base64 text in the
// configuration, only with Encryption.AllowInlineSecrets). A relative File
// is relative to the working directory.
type KeySource struct {
	Env   string `json:"env,omitempty" yaml:"env,omitempty"`
	File  string `json:"file,omitempty" yaml:"file,omitempty"`
	Value Secret `json:"value,omitempty" yaml:"value,omitempty"`
}

// KeyRef is one key of the keyring: its id, written into every record it
// seals, and where it is read from (see KeySource).
type KeyRef struct {
	// ID identifies the key in sealed records: 1 to 4294967295, unique in
	// the keyring, and never reused for another key.
	ID    uint32 `json:"id" yaml:"id"`
	Env   string `json:"env,omitempty" yaml:"env,omitempty"`
	File  string `json:"file,omitempty" yaml:"file,omitempty"`
	Value Secret `json:"value,omitempty" yaml:"value,omitempty"`
}

// Source returns where the key is read from.
func (k KeyRef) Source() KeySource { return KeySource{Env: k.Env, File: k.File, Value: k.Value} }

// Compression configures value compression (layer.Compress).
type Compression struct {
	// Algorithm is "none" (or empty, the default), "s2" or "zstd".
	Algorithm string `json:"algorithm,omitempty" yaml:"algorithm,omitempty"`
	// MinSize is the length below which values are stored uncompressed.
	// 0 means 256; a negative MinSize compresses every value.
	MinSize int `json:"min_size,omitempty" yaml:"min_size,omitempty"`
}

// Breaker configures the circuit breaker in front of the backend
// (layer.Breaker).
type Breaker struct {
	// Timeout is the deadline of each backend call. 0 means 1s; "never"
	// means no deadline.
	Timeout Duration `json:"timeout,omitzero" yaml:"timeout,omitempty"`
	// Failures in a row that open the circuit. 0 means 5.
	Failures int `json:"failures,omitempty" yaml:"failures,omitempty"`
	// Cooldown is how long the circuit stays open before a probe call is
	// let through. 0 means 5s.
	Cooldown Duration `json:"cooldown,omitzero" yaml:"cooldown,omitempty"`
}

// Secret is key material written in a configuration. It never prints:
// String, GoString and every fmt verb give "[redacted]". It is encoded
// as itself by MarshalJSON and yaml.Marshal, since writing a configuration
// out must keep it.
type Secret string

const redacted = "[redacted]"

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]", so %#v hides the secret too.
func (Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// String returns the configuration as JSON, with inline secrets and the
// password of the backend URL redacted: it is safe to log.
func (c Config) String() string {
	r := c.clone()
	if p := r.Persist; p != nil {
		if u, err := url.Parse(p.Backend); err == nil {
			p.Backend = u.Redacted()
		} else if p.Backend != "" {
			p.Backend = "[unparsable URL]"
		}
		e := &p.Encryption
		for i := range e.Keys {
			if e.Keys[i].Value != "" {
				e.Keys[i].Value = redacted
			}
		}
		if e.NameKey.Value != "" {
			e.NameKey.Value = redacted
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		// Every field marshals; this is unreachable.
		return "config.Config(unprintable)"
	}
	return string(b)
}

// clone returns a deep copy of c, so that the copy can be changed without
// changing c.
func (c Config) clone() Config {
	c.Buckets = maps.Clone(c.Buckets)
	if c.Persist != nil {
		p := *c.Persist
		p.Encryption.Keys = slices.Clone(p.Encryption.Keys)
		if p.Breaker != nil {
			b := *p.Breaker
			p.Breaker = &b
		}
		c.Persist = &p
	}
	return c
}

// GoString returns what String does, so %#v hides secrets too.
func (c Config) GoString() string { return "config.Config" + c.String() }
