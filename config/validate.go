package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxShards is livedict's bound on Options.Shards.
const maxShards = 1024

// The upper bounds of numeric settings, so that a huge value is an error
// that names its field rather than a panic, an allocation that cannot
// succeed or an overflow later in Options or the store. See
// docs/configuration.md ("Ranges").
const (
	// MaxCount bounds the counts: max_keys (store and bucket), queue_size,
	// retries, breaker.failures and compression.min_size.
	MaxCount = 1 << 40
	// MaxEvictKeys bounds max_keys with policy evict: the evict policy
	// reserves memory for its bookkeeping in proportion to max_keys (up to
	// about 40 bytes a key) when the store is opened.
	MaxEvictKeys = 1 << 30
	// MaxDuration bounds every duration, 100 years: expiry deadlines are
	// kept as int64 nanoseconds, which a longer TTL would overflow.
	MaxDuration = Duration(100 * 365 * 24 * time.Hour)
	// MaxRetryBackoff bounds retry_backoff, one year: the flusher doubles
	// it up to 32 times over.
	MaxRetryBackoff = Duration(365 * 24 * time.Hour)
)

// Validate checks every field of c and reports every bad one, with its
// path, in a *ValidationError that matches ErrInvalidConfig; nil means
// Options can build livedict.Options from c. Validate reads no file and no
// environment variable: key sources are checked for shape only, and the
// backend URL for syntax only (whether its scheme is registered is known
// when it is opened).
func (c *Config) Validate() error {
	var fe fieldErrors
	fe.ttl("default_ttl", c.DefaultTTL)
	if c.Shards < 0 || c.Shards > maxShards || c.Shards&(c.Shards-1) != 0 {
		fe.add("shards", "must be 0 or a power of two up to %d, got %d", maxShards, c.Shards)
	}
	switch {
	case c.Policy == PolicyEvict && int64(c.MaxKeys) > MaxEvictKeys:
		fe.add("max_keys", "must be at most %d with policy evict, got %d", MaxEvictKeys, c.MaxKeys)
	default:
		fe.count("max_keys", c.MaxKeys)
	}
	if _, ok := policies[c.Policy]; !ok {
		fe.add("policy", "unknown policy %s (want reject or evict)", quoteAt("policy", c.Policy))
	} else if c.Policy == PolicyEvict && c.MaxKeys == 0 {
		fe.add("max_keys", "must be > 0 with policy evict")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Buckets)) {
		fe.bucket(bucketPath(name), name, c.Buckets[name], c.Persist != nil)
	}
	if c.Persist != nil {
		fe.persist(c.Persist)
	}
	return fe.err()
}

// bucketPath returns "buckets.<name>", or buckets["<name>"] for a name that
// would not read well after a dot.
func bucketPath(name string) string {
	if name != "" && strings.IndexFunc(name, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return "buckets." + cutText(name, maxBucketShown)
	}
	return "buckets[" + quoteName(name) + "]"
}

func (fe *fieldErrors) ttl(path string, d Duration) {
	if d < 0 && d != Never {
		fe.add(path, "must be >= 0 or never, got %v", d)
	} else if d > MaxDuration {
		fe.add(path, "must be at most %v (100 years), got %v", MaxDuration, d)
	}
}

func (fe *fieldErrors) nonNegative(path string, d Duration) {
	fe.duration(path, d, MaxDuration)
}

// duration checks 0 <= d <= most.
func (fe *fieldErrors) duration(path string, d, most Duration) {
	if d < 0 {
		fe.add(path, "must be >= 0, got %v", d)
	} else if d > most {
		fe.add(path, "must be at most %v, got %v", most, d)
	}
}

// count checks 0 <= n <= MaxCount.
func (fe *fieldErrors) count(path string, n int) {
	if n < 0 {
		fe.add(path, "must be >= 0, got %d", n)
	} else if int64(n) > MaxCount {
		fe.add(path, "must be at most %d, got %d", MaxCount, n)
	}
}

func (fe *fieldErrors) bucket(path, name string, b Bucket, persisting bool) {
	if name == "" {
		fe.add(path, "the default bucket takes the store's settings; name the bucket")
	}
	fe.ttl(path+".default_ttl", b.DefaultTTL)
	fe.count(path+".max_keys", b.MaxKeys)
	p, ok := bucketPersistence[b.Persistence]
	switch {
	case !ok:
		fe.add(path+".persistence", "unknown persistence %s (want default, none, write-behind or write-through)", quoteAt(path+".persistence", b.Persistence))
	case p > bucketPersistence[PersistNone] && !persisting:
		fe.add(path+".persistence", "is %s but there is no persist section", b.Persistence)
	}
}

func (fe *fieldErrors) persist(p *Persist) {
	const f = "persist."
	if p.Backend == "" {
		fe.add(f+"backend", "is required: the URL of a backend, such as sqlite:///var/lib/app.db")
	} else if u, err := url.Parse(p.Backend); err != nil || u.Scheme == "" {
		// The URL is not quoted: it may hold a password.
		fe.add(f+"backend", "is not a URL with a scheme, such as sqlite:///var/lib/app.db")
	}
	fe.encryption(&p.Encryption)
	if c, ok := compressions[p.Compression.Algorithm]; !ok {
		fe.add(f+"compression.algorithm", "unknown algorithm %s (want none, s2 or zstd)", quoteAt(f+"compression.algorithm", p.Compression.Algorithm))
	} else if !c.ok && p.Compression.MinSize != 0 {
		fe.add(f+"compression.min_size", "is set but compression.algorithm is none")
	} else if int64(p.Compression.MinSize) > MaxCount {
		// Negative compresses every value, however negative.
		fe.add(f+"compression.min_size", "must be at most %d, got %d", MaxCount, p.Compression.MinSize)
	}
	if !codecs[p.Codec] {
		fe.add(f+"codec", "unknown codec %s (want msgpack, json or gob)", quoteAt(f+"codec", p.Codec))
	}
	if _, ok := persistModes[p.Mode]; !ok {
		fe.add(f+"mode", "unknown mode %s (want write-behind, write-through or none)", quoteAt(f+"mode", p.Mode))
	}
	if _, ok := whenFull[p.WhenFull]; !ok {
		fe.add(f+"when_full", "unknown policy %s (want block, drop or fail)", quoteAt(f+"when_full", p.WhenFull))
	}
	fe.count(f+"queue_size", p.QueueSize)
	if p.Retries != -1 { // -1 is livedict.NoRetry
		fe.count(f+"retries", p.Retries)
	}
	fe.nonNegative(f+"flush_interval", p.FlushInterval)
	fe.nonNegative(f+"block_timeout", p.BlockTimeout)
	fe.duration(f+"retry_backoff", p.RetryBackoff, MaxRetryBackoff)
	fe.nonNegative(f+"timeout", p.Timeout)
	if b := p.Breaker; b != nil {
		fe.ttl(f+"breaker.timeout", b.Timeout)
		fe.count(f+"breaker.failures", b.Failures)
		fe.nonNegative(f+"breaker.cooldown", b.Cooldown)
	}
}

func (fe *fieldErrors) encryption(e *Encryption) {
	const f = "persist.encryption."
	if _, ok := algorithms[e.Algorithm]; !ok {
		fe.add(f+"algorithm", "unknown algorithm %s (want aes-256-gcm or xchacha20-poly1305)", quoteAt(f+"algorithm", e.Algorithm))
	}
	if e.Plaintext {
		const why = "must be empty with plaintext: true"
		if len(e.Keys) > 0 {
			fe.add(f+"keys", why)
		}
		if e.Primary != 0 {
			fe.add(f+"primary", why)
		}
		if e.NameKey != (KeySource{}) {
			fe.add(f+"name_key", why)
		}
		if e.Algorithm != "" {
			fe.add(f+"algorithm", why)
		}
		return
	}
	if len(e.Keys) == 0 {
		fe.add(f+"keys", "are required unless plaintext: true (persisting unencrypted must be asked for)")
	}
	seen := make(map[uint32]int, len(e.Keys))
	for i, k := range e.Keys {
		path := fmt.Sprintf("%skeys[%d]", f, i)
		if k.ID == 0 {
			fe.add(path+".id", "must be 1 to 4294967295")
		} else if j, dup := seen[k.ID]; dup {
			fe.add(path+".id", "is %d, the id of keys[%d] too", k.ID, j)
		} else {
			seen[k.ID] = i
		}
		fe.source(path, k.Source(), e.AllowInlineSecrets)
	}
	if e.Primary == 0 {
		if len(e.Keys) > 1 {
			fe.add(f+"primary", "is required with more than one key")
		}
	} else if _, ok := seen[e.Primary]; !ok {
		fe.add(f+"primary", "is %d, which is not the id of any key", e.Primary)
	}
	if e.NameKey == (KeySource{}) {
		fe.add(f+"name_key", "is required unless plaintext: true (set env or file)")
	} else {
		fe.source(f+"name_key", e.NameKey, e.AllowInlineSecrets)
	}
}

// source checks the shape of a key source; the key itself is read by
// Options.
func (fe *fieldErrors) source(path string, s KeySource, allowInline bool) {
	var set []string
	if s.Env != "" {
		set = append(set, "env")
		if strings.ContainsAny(s.Env, "=\x00") {
			fe.add(path+".env", "is not a valid environment variable name")
		}
	}
	if s.File != "" {
		set = append(set, "file")
		if strings.ContainsRune(s.File, 0) {
			fe.add(path+".file", "is not a valid file name")
		}
	}
	if s.Value != "" {
		set = append(set, "value")
		if !allowInline {
			fe.add(path+".value", "inline key material needs persist.encryption.allow_inline_secrets: true; prefer env or file")
		}
	}
	switch len(set) {
	case 0:
		fe.add(path, "needs one of env, file or value")
	case 1:
	default:
		fe.add(path, "sets %s: set exactly one of env, file or value", strings.Join(set, " and "))
	}
}
