package snapshot

import (
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
)

// DefaultName is the store name Options use when Name is empty; it is
// the default of livedict's Persist.Name.
const DefaultName = "livedict"

// Options configures [Write] and [Restore]. The zero value is not usable:
// give Keyring and NameKey, or set Plaintext. Restore needs the options
// the snapshot was written with: the same NameKey, a keyring holding the
// key that sealed it, the same Name, and codecs that decode what the
// writer's encoded.
type Options[K comparable, V any] struct {
	// Keyring seals every record under its primary key (Write) and opens
	// them (Restore), as a store's Persist.Keyring does. Required unless
	// Plaintext is set.
	Keyring *crypto.Keyring
	// NameKey names records (as Persist.NameKey does, so a record's name
	// in a snapshot is its storage name in the store's backend) and keys
	// the MAC chained over the snapshot's frames. Required unless
	// Plaintext is set. Use the store's Persist.NameKey.
	NameKey crypto.Key
	// Plaintext writes keys and values unencrypted, and restores only
	// such snapshots. It cannot be set with a Keyring. A plaintext
	// snapshot's MAC has no secret key: it detects damage, truncation and
	// reordering, but not a deliberate edit by someone who recomputes it.
	Plaintext bool
	// Name binds the snapshot to a store: it is written in the header and
	// bound into every sealed record, and Restore refuses a snapshot with
	// another Name (ErrWrongStore). Default DefaultName, which is also
	// Persist.Name's default; use the store's Persist.Name.
	Name string
	// KeyCodec encodes keys. Default codec.KeyFor[K]().
	KeyCodec codec.KeyCodec[K]
	// Codec encodes values. Default codec.Msgpack[V]().
	Codec codec.Codec[V]
	// Buckets limits the buckets: Write writes these (nil: every bucket
	// of Store.Buckets), Restore restores the records of these only (nil:
	// every bucket in the snapshot; the others are still authenticated).
	Buckets []string
	// Progress, when set, is called on the caller's goroutine every 1024
	// records and once at the end of each phase, with the counts so far.
	Progress func(Stats)
	// OnHeader, when set, is called by Restore once the snapshot's
	// header has authenticated, before any record is read. An error it
	// returns ends Restore (wrapped, with nothing restored): a program
	// can refuse a snapshot that is too old, or buckets it does not want.
	OnHeader func(Header) error
	// DryRun makes Restore read, authenticate and decode the whole
	// snapshot and report what it would restore, without changing the
	// store.
	DryRun bool
}

// Stats counts what Write or Restore did. Records and Bytes count what
// was written or read; Restored what Restore put in the store.
type Stats struct {
	// Created is when the snapshot was written (from its header).
	Created time.Time
	// Buckets is the number of buckets the header lists.
	Buckets int
	// Records is the number of records written, or read and
	// authenticated.
	Records int64
	// Restored is the number of entries Restore set in the store.
	Restored int64
	// Expired counts entries left out because they had expired: by Write
	// when they expired between listing and writing, by Restore when they
	// expired while the snapshot sat.
	Expired int64
	// Skipped counts the records Restore left out because their bucket is
	// not in Options.Buckets.
	Skipped int64
	// Bytes is the size of the snapshot written or read.
	Bytes int64
}

// Header is what a snapshot's header says, as Restore gives it to
// Options.OnHeader.
type Header struct {
	// Created is when the snapshot was written.
	Created time.Time
	// Name is the store name it was written for (the Options' Name).
	Name string
	// Buckets lists the buckets it was written from, in order.
	Buckets []string
	// Plaintext is true for a plaintext snapshot.
	Plaintext bool
}

// config is Options checked and completed.
type config[K comparable, V any] struct {
	Options[K, V]
}

func (o *Options[K, V]) config() (config[K, V], error) {
	c := config[K, V]{*o}
	switch {
	case c.Plaintext && c.Keyring != nil:
		return c, optionErr("Plaintext", "is set together with a Keyring; choose one", nil)
	case !c.Plaintext && c.Keyring == nil:
		return c, optionErr("Keyring", "is required unless Plaintext is set: a plaintext snapshot must be asked for", nil)
	case !c.Plaintext && c.NameKey == (crypto.Key{}):
		return c, optionErr("NameKey", "is required unless Plaintext is set", nil)
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.KeyCodec == nil {
		kc, err := codec.KeyFor[K]()
		if err != nil {
			return c, optionErr("KeyCodec", err.Error()+"; set Options.KeyCodec", err)
		}
		c.KeyCodec = kc
	}
	if c.Codec == nil {
		c.Codec = codec.Msgpack[V]()
	}
	if c.Buckets != nil {
		c.Buckets = dedupe(c.Buckets)
	}
	return c, nil
}

// dedupe returns names without repeats, in first-seen order.
func dedupe(names []string) []string {
	seen := make(map[string]bool, len(names))
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func optionErr(field, reason string, err error) error {
	return &livedict.OptionError{Field: "snapshot.Options." + field, Reason: reason, Err: err}
}

// progressEvery is how many records pass between Progress calls.
const progressEvery = 1024

func (c *config[K, V]) progress(st Stats, force bool, n int64) {
	if c.Progress != nil && (force || n%progressEvery == 0) {
		c.Progress(st)
	}
}
