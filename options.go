package livedict

import (
	"context"
	"github.com/livedict/livedict/crypto"
	"runtime"
	"strconv"
	"time"
)

// TTL sentinels accepted wherever a TTL is taken.
const (
	// DefaultTTL asks for the bucket's default TTL (BucketOptions.DefaultTTL,
	// falling back to Options.DefaultTTL).
	DefaultTTL time.Duration = 0
	// NoExpiry stores the entry without a deadline.
	NoExpiry time.Duration = -1
	// KeepTTL keeps the deadline of the entry being replaced, or applies the
	// default TTL when there is none (like Redis's KEEPTTL).
	KeepTTL time.Duration = -2
	// MaxTTL is the longest TTL a write, Touch or default takes: 100 years.
	// A longer one fails with ErrInvalidTTL rather than overflowing the
	// deadline; use NoExpiry for an entry that never expires. A record
	// that Load, Warm or a snapshot restore brings back with a later expiry
	// (stored by another writer) is kept in memory for MaxTTL.
	MaxTTL time.Duration = 100 * 365 * 24 * time.Hour
)

// Policy says what a write does when it would exceed MaxKeys.
type Policy uint8

const (
	// Reject fails the write with ErrFull after reaping entries that are due.
	// It is the default: nothing already stored is ever lost to make room.
	Reject Policy = iota
	// Evict makes room by evicting entries chosen by S3-FIFO. Each shard
	// holds MaxKeys/Shards entries, so eviction starts shard by shard.
	Evict
)

// String returns "reject" or "evict".
func (p Policy) String() string {
	switch p {
	case Reject:
		return "reject"
	case Evict:
		return "evict"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

// Options configures a Store. The zero value (or a nil *Options) gives an
// unbounded store whose entries never expire unless a TTL is given.
type Options[K comparable, V any] struct {
	// DefaultTTL applies to writes given DefaultTTL (0). Zero, the default,
	// means entries never expire; negative values are invalid.
	DefaultTTL time.Duration

	// MaxKeys bounds the number of entries in the whole store. Zero, the
	// default, means no bound. What happens at the bound is Policy's call.
	MaxKeys int

	// Policy applies when a write would exceed MaxKeys or MaxWeight.
	// Default Reject. Per-bucket limits (BucketOptions.MaxKeys and
	// MaxWeight) always reject.
	Policy Policy

	// Weigher gives an entry's weight: its cost, or its size in bytes, in
	// whatever unit MaxWeight counts. It must be a pure function of the key
	// and value (the same result every time for the same pair, whatever
	// else changes): the store keeps no weight per entry, and weighs an
	// entry again when it leaves to take its weight off the sums. It runs
	// on the writer's goroutine, and under the shard lock when an entry
	// leaves, so keep it quick, do not let it panic and do not call the
	// store from it. Nil, the default, weighs nothing:
	// Stats.Weight and View.Weight stay 0. See "Weight" in the package doc.
	Weigher func(key K, value V) uint32

	// MaxWeight bounds the total weight (Weigher) of the store's entries.
	// Zero, the default, means no bound; a positive one needs a Weigher.
	// At the bound Policy decides: Reject refuses the write with a
	// *FullError (matching ErrFull); Evict evicts until the new entry fits,
	// holding each shard to MaxWeight/Shards as it does for MaxKeys. An
	// entry heavier than MaxWeight (with Evict: than a shard's share) is
	// always refused. It may be set together with MaxKeys: both bind.
	MaxWeight int64

	// Shards is the number of write shards, a power of two up to 1024. Zero,
	// the default, picks 4×GOMAXPROCS clamped to [16, 256]. With Policy
	// Evict and a small MaxKeys the count is lowered so that every shard can
	// hold at least 16 entries.
	Shards int

	// Buckets declares buckets with their own settings. A bucket not listed
	// here is created on first use with zero BucketOptions.
	Buckets map[string]BucketOptions

	// RequireBucket makes writes to the default bucket fail with
	// ErrBucketRequired: every key must live in a named bucket.
	RequireBucket bool

	// ReadStats makes reads count Stats.Hits and Stats.Misses. It is off by
	// default because the count is an atomic add on the read path, and a
	// locked read-modify-write keeps the CPU from overlapping the memory
	// loads of one Get with the next: on the machine in docs/benchmarks.md
	// it more than doubles the cost of a Get over a large store. Write-side
	// counters and Stats.TokenMisses are always kept.
	ReadStats bool

	// OnSet listeners run after every successful write, on the writer's
	// goroutine, after the store's locks are released. More can be added
	// with Store.AddSetListener.
	OnSet []func(Event[K, V])

	// OnAccess runs after every Get that hits, on the reader's goroutine.
	// Keep it cheap: it is on the read path.
	OnAccess func(Event[K, V])

	// OnExpire runs once for every entry that reaches its deadline while
	// stored, on the reaper goroutine, in deadline order within each pass.
	OnExpire func(Event[K, V])

	// OnEvict runs for every entry evicted by the Evict policy, on the
	// goroutine whose write caused the eviction.
	OnEvict func(Event[K, V])

	// OnDelete runs for every entry removed for any reason, with the reason
	// in Event.Reason: after OnExpire or OnEvict for those reasons, on the
	// same goroutine; on the caller's goroutine for Delete and Clear.
	OnDelete func(Event[K, V])

	// Loader, when set, is called by View.Load for a key found neither in
	// memory nor in the backend of a persisted bucket. It returns the
	// value and its TTL (as for Set), or an error; returning an error
	// matching ErrNotFound makes Load report ErrNotFound (remembered for
	// NegativeTTL when that is set). The value is
	// stored (and, in a persisted bucket, persisted) as Set does.
	// Concurrent Loads of a key call it once; a panic in it becomes an
	// error matching ErrPanicked for every caller. It works on a store
	// without Persist: a read-through cache needs no backend. It is
	// store-wide and told the bucket, rather than given per call or per
	// bucket, because one function then serves every Load and keeps the
	// one-flight-per-key rule meaningful (two callers of one key with two
	// loaders would race for the same entry).
	Loader func(ctx context.Context, bucket string, key K) (V, time.Duration, error)

	// RefreshAfter turns on refresh-ahead for Loader-backed keys: a Load
	// that finds an entry older than RefreshAfter returns it at once and
	// starts one background reload through the Loader, which replaces the
	// entry when it succeeds (see docs/loading.md). Only Load and LoadMany
	// start reloads; Get never does. An entry's age is derived from its
	// deadline and the bucket's default TTL, so entries without a deadline
	// are never reloaded. Zero, the default, is off; it needs a Loader and,
	// with a DefaultTTL, must be shorter than it. BucketOptions.RefreshAfter
	// overrides it per bucket.
	RefreshAfter time.Duration

	// NegativeTTL makes Load remember, for that long, that a key exists
	// nowhere: when the Loader answers ErrNotFound (or, without a Loader,
	// the backend has no record), Loads of the key within NegativeTTL
	// report ErrNotFound without asking again. A write of the key forgets
	// the answer at once; Get, Has, Len, Keys and All never see it. Zero,
	// the default, is off. BucketOptions.NegativeTTL overrides it per
	// bucket. At most 64 Ki answers are kept: past that, expired ones and
	// then arbitrary ones are forgotten.
	NegativeTTL time.Duration

	// BulkLoader, when set, is what LoadMany calls, once per call, with
	// every key it found neither in memory nor in the backend (nor being
	// loaded by another Load). It returns the values it found, all stored
	// with one TTL (as for Set); a key absent from the map does not exist.
	// An error fails every key of the call. Without it LoadMany calls
	// Loader once per missing key. Like Loader it is store-wide and told
	// the bucket.
	BulkLoader func(ctx context.Context, bucket string, keys []K) (map[K]V, time.Duration, error)

	// Keyring seals the values of Sealed buckets on a store without a
	// persisted keyring: a memory-only store needs only this for them.
	// With Options.Persist and its Keyring, that one seals and this must
	// be nil. Values are encoded with msgpack, keys with codec.KeyFor.
	Keyring *crypto.Keyring

	// Persist makes the store persist its buckets to a backend, through
	// a codec, compression and encryption. Nil, the default, keeps
	// everything in memory only. See Persist and docs/layers.md.
	Persist *Persist[K, V]

	// OnHookPanic receives the value recovered from a panicking hook, and
	// the hook's name ("OnExpire", "OnSet"...). The default logs it with
	// log/slog at error level. A panicking hook never stops the reaper.
	OnHookPanic func(hook string, recovered any)
}

// BucketOptions configures one bucket.
type BucketOptions struct {
	// DefaultTTL for writes given DefaultTTL. Zero means the store's
	// Options.DefaultTTL; NoExpiry means entries of this bucket never
	// expire by default.
	DefaultTTL time.Duration
	// MaxKeys bounds the bucket's entries; writes past it fail with ErrFull
	// (whatever the store's Policy). Zero means no bound of its own.
	MaxKeys int
	// MaxWeight bounds the total weight (Options.Weigher) of the bucket's
	// entries; a write past it fails with a *FullError (matching ErrFull),
	// whatever the store's Policy, as does an entry heavier than it. Zero
	// means no bound of its own; a positive one needs Options.Weigher.
	MaxWeight int64
	// Persistence of the bucket: PersistDefault (the store's
	// Persist.Mode), PersistNone, WriteBehind or WriteThrough. Anything
	// but PersistDefault and PersistNone needs Options.Persist.
	Persistence Persistence
	// Sealed keeps the bucket's values encoded and sealed in memory with
	// Options.Persist's Keyring and Codec (or Options.Keyring on a store
	// without one), opened on every read: for secrets that must not sit
	// in clear in the process's memory. Reads then allocate and cost a
	// decryption; hooks and All receive opened values. Needs a keyring,
	// not a backend (the bucket itself may use PersistNone). Changing it with DefineBucket applies to later
	// writes.
	Sealed bool
	// RefreshAfter overrides Options.RefreshAfter for the bucket: zero
	// uses the store's, Disabled turns refresh-ahead off.
	RefreshAfter time.Duration
	// NegativeTTL overrides Options.NegativeTTL for the bucket: zero uses
	// the store's, Disabled turns negative caching off.
	NegativeTTL time.Duration
}

// Disabled, given as BucketOptions.RefreshAfter or NegativeTTL, turns the
// feature off for that bucket whatever the store's Options say.
const Disabled time.Duration = -1

// canSeal reports whether the store has a keyring for Sealed buckets.
func (o *Options[K, V]) canSeal() bool {
	return o.Keyring != nil || (o.Persist != nil && o.Persist.Keyring != nil)
}

const (
	minAutoShards = 16
	maxAutoShards = 256
	maxShards     = 1024
)

func (o *Options[K, V]) validate() error {
	if o.DefaultTTL < 0 || o.DefaultTTL > MaxTTL {
		return optionErr("Options.DefaultTTL", "must be >= 0 and at most MaxTTL, got %v", o.DefaultTTL)
	}
	if o.MaxKeys < 0 {
		return optionErr("Options.MaxKeys", "must be >= 0, got %d", o.MaxKeys)
	}
	if o.Policy > Evict {
		return optionErr("Options.Policy", "unknown policy %d", o.Policy)
	}
	if o.Policy == Evict && o.MaxKeys == 0 && o.MaxWeight == 0 {
		return optionErr("Options.MaxKeys", "must be > 0 with Policy Evict (or MaxWeight)")
	}
	if err := o.validateWeight(); err != nil {
		return err
	}
	if o.Keyring != nil && o.Persist != nil && o.Persist.Keyring != nil {
		return optionErr("Options.Keyring", "is set together with Options.Persist.Keyring; Sealed buckets use the persisted keyring")
	}
	if o.Shards < 0 || o.Shards > maxShards || o.Shards&(o.Shards-1) != 0 {
		return optionErr("Options.Shards", "must be 0 or a power of two up to %d, got %d", maxShards, o.Shards)
	}
	if err := o.validateLoading(); err != nil {
		return err
	}
	for name, b := range o.Buckets {
		if name == "" {
			return optionErr(`Options.Buckets[""]`, "the default bucket takes the store's options")
		}
		if err := b.validate(`Options.Buckets["` + name + `"]`); err != nil {
			return err
		}
		if b.MaxWeight > 0 && o.Weigher == nil {
			return optionErr(`Options.Buckets["`+name+`"].MaxWeight`, "needs Options.Weigher")
		}
		if b.Sealed && !o.canSeal() {
			return optionErr(`Options.Buckets["`+name+`"].Sealed`, "needs a keyring: Options.Keyring, or Options.Persist with a Keyring")
		}
		if o.Persist == nil && b.Persistence > PersistNone {
			return optionErr(`Options.Buckets["`+name+`"].Persistence`, "is %v but Options.Persist is not set", b.Persistence)
		}
		if err := validateBucketLoading(`Options.Buckets["`+name+`"]`, b, o.Loader != nil || o.BulkLoader != nil, o.DefaultTTL); err != nil {
			return err
		}
	}
	return nil
}

func (b BucketOptions) validate(path string) error {
	if (b.DefaultTTL < 0 && b.DefaultTTL != NoExpiry) || b.DefaultTTL > MaxTTL {
		return optionErr(path+".DefaultTTL", "must be >= 0 and at most MaxTTL, or NoExpiry, got %v", b.DefaultTTL)
	}
	if b.MaxKeys < 0 {
		return optionErr(path+".MaxKeys", "must be >= 0, got %d", b.MaxKeys)
	}
	if b.MaxWeight < 0 {
		return optionErr(path+".MaxWeight", "must be >= 0, got %d", b.MaxWeight)
	}
	if b.Persistence > WriteThrough {
		return optionErr(path+".Persistence", "unknown persistence %d", b.Persistence)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{".RefreshAfter", b.RefreshAfter}, {".NegativeTTL", b.NegativeTTL}} {
		if (f.d < 0 && f.d != Disabled) || f.d > MaxTTL {
			return optionErr(path+f.name, "must be >= 0 and at most MaxTTL, or Disabled, got %v", f.d)
		}
	}
	return nil
}

// shardCount applies the Shards default and the Evict lower bound.
func (o *Options[K, V]) shardCount() int {
	n := o.Shards
	if n == 0 {
		n = min(max(nextPow2(4*runtime.GOMAXPROCS(0)), minAutoShards), maxAutoShards)
	}
	if o.Policy == Evict && o.MaxKeys > 0 {
		for n > 1 && o.MaxKeys/n < 16 {
			n /= 2
		}
	}
	return n
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
