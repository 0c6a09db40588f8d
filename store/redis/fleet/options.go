package fleet

import (
	"fmt"
	"time"

	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/redis"
)

// Defaults of [Options].
const (
	DefaultMaxStaleness  = 30 * time.Second
	DefaultLease         = 100 * time.Millisecond
	DefaultNearCacheSize = 100_000
	// MaxNameLen bounds Options.Name, which is part of every Redis key.
	MaxNameLen = 256
)

// Options configure [Open]. Name is required; every other field has a
// default.
type Options[K comparable, V any] struct {
	// Redis are the connection settings of package store/redis: Addrs,
	// Cluster, MasterName (Sentinel), credentials, TLSConfig, PoolSize,
	// Timeout, MaxValueSize, or an existing Client. Prefix and ScanCount
	// are not used: keys are named by Name (see the package doc). A Ring
	// client is refused: a ring has no master that could track its keys.
	Redis redis.Options
	// URL is an alternative to Redis: any URL that store/redis.OpenURL
	// accepts. Set one of URL and Redis, not both.
	URL string
	// Name is the shared bucket: every instance of a service that must
	// agree uses the same Name (and Keyring, Codec and KeyCodec). It is
	// required, at most MaxNameLen bytes, and holds no '*', '?', '[', ']'
	// or '\\' (it is part of a SCAN pattern).
	Name string
	// Codec encodes values; nil means msgpack, as in package livedict.
	Codec codec.Codec[V]
	// KeyCodec encodes keys; nil means codec.KeyFor[K].
	KeyCodec codec.KeyCodec[K]
	// Keyring, when set, seals every value (AES-GCM or XChaCha20-Poly1305,
	// bound to the Name and the entry's storage name) before it leaves the
	// process, and NameKey names entries by a keyed hash, so neither keys
	// nor values reach Redis in the clear. Without it values are stored as
	// the codec wrote them and keys in a reversible encoding.
	Keyring *crypto.Keyring
	// NameKey keys the hash that names entries ([crypto.Namer]); it is
	// required with Keyring and must be the same on every instance.
	NameKey crypto.Key
	// TTL is the default TTL of Set and of writes given ttl 0
	// (livedict.DefaultTTL); 0 means no expiry.
	TTL time.Duration
	// MaxStaleness bounds the age of any near-cache entry, even if an
	// invalidation is lost; 0 means DefaultMaxStaleness (30s).
	MaxStaleness time.Duration
	// Lease is the staleness bound of reads (see Guarantee in the package
	// doc); 0 means DefaultLease (100ms). The tracker confirms its stream
	// every Lease/4.
	Lease time.Duration
	// NearCacheSize bounds the near cache's entries (it evicts); 0 means
	// DefaultNearCacheSize.
	NearCacheSize int
	// OnSet runs on the writer's goroutine after Redis acknowledged a
	// write of this instance (Set, SetWithTTL, and the stores of Update,
	// GetOrSet, SetIfAbsent, CompareAndSwap and Add). Writes of other
	// instances, invalidations and near-cache evictions never run it.
	OnSet func(key K, value V)
	// OnDelete runs likewise after Redis acknowledged a Delete of this
	// instance that removed an entry. Expiry (Redis's), Clear,
	// invalidations and near-cache evictions never run it.
	OnDelete func(key K)

	// Test hooks, unexported: the package's own tests set them.
	//
	// clock replaces the monotonic clock (see clock.go). fillHook runs
	// between a fill's Redis reply and its insert. pingEvery replaces
	// Lease/4 as the tracker's confirmation period. invalidateHook runs
	// for each storage name a tracker receives; false drops it, as a lost
	// invalidation. dialHook runs before each tracker dial. joinHook runs
	// when a Get joins another Get's flight.
	clock          func() int64
	fillHook       func()
	joinHook       func()
	pingEvery      time.Duration
	invalidateHook func(sname string) bool
	dialHook       func()
}

// check validates o and fills in defaults.
func (o *Options[K, V]) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	switch {
	case o.Name == "":
		return bad("Name is required")
	case len(o.Name) > MaxNameLen:
		return bad("Name is longer than %d bytes", MaxNameLen)
	case containsAny(o.Name, "*?[]\\"):
		return bad("Name holds one of * ? [ ] \\")
	case o.URL != "" && (o.Redis.Client != nil || len(o.Redis.Addrs) > 0 || o.Redis.Cluster || o.Redis.MasterName != ""):
		return bad("URL and Redis are both set")
	case o.TTL < 0:
		return bad("TTL %v is negative", o.TTL)
	case o.MaxStaleness < 0:
		return bad("MaxStaleness %v is negative", o.MaxStaleness)
	case o.Lease < 0:
		return bad("Lease %v is negative", o.Lease)
	case o.NearCacheSize < 0:
		return bad("NearCacheSize %d is negative", o.NearCacheSize)
	case o.Keyring != nil && o.NameKey == (crypto.Key{}):
		return bad("Keyring is set without NameKey")
	case o.Keyring == nil && o.NameKey != (crypto.Key{}):
		return bad("NameKey is set without Keyring")
	}
	if o.MaxStaleness == 0 {
		o.MaxStaleness = DefaultMaxStaleness
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	if o.NearCacheSize == 0 {
		o.NearCacheSize = DefaultNearCacheSize
	}
	if o.Codec == nil {
		o.Codec = codec.Msgpack[V]()
	}
	if o.KeyCodec == nil {
		kc, err := codec.KeyFor[K]()
		if err != nil {
			return bad("KeyCodec: %w", err)
		}
		o.KeyCodec = kc
	}
	return nil
}

func containsAny(s, chars string) bool {
	for i := range len(s) {
		for j := range len(chars) {
			if s[i] == chars[j] {
				return true
			}
		}
	}
	return false
}
