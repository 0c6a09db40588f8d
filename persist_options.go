package livedict

import (
	"strconv"
	"time"

	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// Persistence says when a bucket's writes reach the backend.
type Persistence uint8

const (
	// PersistDefault, in BucketOptions, takes the store's Persist.Mode.
	PersistDefault Persistence = iota
	// PersistNone keeps the bucket in memory only.
	PersistNone
	// WriteBehind acknowledges a write once it is in memory; a background
	// flusher writes it to the backend in batches. It is durable once
	// Flush or Close returns nil. Set never returns a persistence error.
	WriteBehind
	// WriteThrough returns from a write once the backend has stored it;
	// persistence failures are returned by the write (the value stays in
	// memory and the write is retried in the background).
	WriteThrough
)

// String returns "default", "none", "write-behind" or "write-through".
func (p Persistence) String() string {
	switch p {
	case PersistDefault:
		return "default"
	case PersistNone:
		return "none"
	case WriteBehind:
		return "write-behind"
	case WriteThrough:
		return "write-through"
	}
	return "Persistence(" + strconv.Itoa(int(p)) + ")"
}

// FullPolicy says what a write-behind write does when the queue is at
// Persist.QueueSize. Whatever the policy, nothing is lost silently: a
// write given up makes Flush and Close fail (ErrWritesLost) until its key
// is written again and stored.
type FullPolicy uint8

const (
	// Block waits, at most Persist.BlockTimeout, for the flusher to make
	// room. If none is made the write is applied in memory, its
	// persistence is given up and recorded as lost (Stats.PersistDropped,
	// Flush's ErrWritesLost). The default.
	Block FullPolicy = iota
	// Drop applies the write in memory and gives up its persistence at
	// once, recorded as lost as under Block.
	Drop
	// Fail refuses the write at once with an error matching ErrQueueFull:
	// memory is left unchanged and nothing is lost.
	Fail
)

// String returns "block", "drop" or "fail".
func (f FullPolicy) String() string {
	switch f {
	case Block:
		return "block"
	case Drop:
		return "drop"
	case Fail:
		return "fail"
	}
	return "FullPolicy(" + strconv.Itoa(int(f)) + ")"
}

// NoRetry, as Persist.Retries, asks for no retry: a failed write is given
// up after its first attempt.
const NoRetry = -1

// Persist configures persistence: the backend, the layers values pass
// through on their way to it, and when writes reach it. A Store persists
// only when Options.Persist is set.
//
// The pipeline is fixed at New: Codec → compression (when Compress is set)
// → encryption (unless Plaintext) → Layers → Backend. Reads undo it in
// reverse.
type Persist[K comparable, V any] struct {
	// Backend is where records go: a backend such as store/sqlite, or any
	// store.Stage. Required. The Store owns it from the call to New on:
	// Close closes it, and so does a New that fails, whatever the reason.
	Backend store.Stage

	// Layers wrap the backend below compression and encryption (so they
	// see sealed bytes when encryption is on), the first outermost, as in
	// layer.Chain. Use them for breakers, logging and metrics. A layer
	// whose stage queues writes (store.Queue) is an OptionError: the Store
	// is the one write-back queue.
	Layers []layer.Layer

	// Keyring seals values (AES-256-GCM or XChaCha20-Poly1305) and
	// NameKey names records so that keys never reach the backend in
	// clear. Both are required unless Plaintext is set.
	Keyring *crypto.Keyring
	NameKey crypto.Key

	// Plaintext stores keys and values unencrypted. Persisting without a
	// Keyring is an error unless this is set: there is no silent fallback.
	Plaintext bool

	// Name binds sealed records to this store: a blob sealed by a store
	// named "a" does not open in one named "b". Default "livedict".
	Name string

	// Compress, when non-nil, compresses values before encryption.
	Compress *layer.CompressOptions

	// KeyCodec encodes keys. Default codec.KeyFor[K](): strings, integer
	// types, byte arrays and encoding.TextMarshaler keys. New fails with
	// codec.ErrNoKeyCodec for another key type without a KeyCodec.
	KeyCodec codec.KeyCodec[K]

	// Codec encodes values. Default codec.Msgpack[V]().
	Codec codec.Codec[V]

	// Mode is the persistence of buckets that do not set their own.
	// Default WriteBehind.
	Mode Persistence

	// QueueSize bounds the write-behind queue: the writes waiting for the
	// backend or being written (Stats.PersistPending) never exceed it,
	// whatever the backend does (hung, failing or slow), so neither does
	// the memory they hold; write-through writes in progress come on top.
	// Writes of one key coalesce: when the queue is at its bound, the
	// writer that found it so first merges the queued writes to one per
	// key. When that makes no room, WhenFull applies. Default 65536.
	// The queue reuses its memory: a steady stream of writes allocates
	// nothing in it, and after a burst the slabs it keeps for the next
	// hold at most QueueSize writes (a few dozen bytes each; the values
	// stay in the Store's entries), besides each shard's log.
	QueueSize int

	// FlushInterval is how long a write-behind write may wait before the
	// flusher writes it. Default 100ms. The flusher starts early when a
	// quarter of the queue is used.
	FlushInterval time.Duration

	// WhenFull is what a write-behind write does when the queue is full.
	// Default Block.
	WhenFull FullPolicy

	// BlockTimeout bounds how long Block waits. Default 1s. A write never
	// waits longer than BlockTimeout, plus the time to take its shard's
	// lock and merge the queue once (memory work, no I/O).
	BlockTimeout time.Duration

	// Retries is how many times a failed write is tried again before it
	// is given up (Stats.PersistDropped; Flush fails with ErrWritesLost
	// until the key is written again). Zero means the default, 5; NoRetry
	// means none. An attempt counts when the backend fails or a drain runs
	// out of Timeout, not when the context of a Flush ends. A value that
	// does not encode is given up at once. A write-through write is never
	// given up while its caller waits for it.
	Retries int

	// RetryBackoff is the flusher's wait after a failed batch, doubled per
	// failure up to 32×. Default 100ms.
	RetryBackoff time.Duration

	// Timeout bounds every backend call the store makes: the flusher's
	// batches, write-through writes (SetContext's ctx may end them
	// earlier), the shared work of Load, and Close's final flush.
	// Default 5s.
	Timeout time.Duration

	// OnError receives persistence failures, each a *PersistError: one
	// call per failed batch of the flusher (or of Flush, or of a
	// write-through write), whose Count is the number of writes that
	// failed in it; and one call, with Count 1, per record Load or Warm
	// could not decode and per sealed value that did not open. The Counts
	// add up to Stats.PersistErrors. It runs on the goroutine that met the
	// failure, with no lock held. Default: log/slog at warning level.
	OnError func(err error)
}

const (
	defaultQueueSize     = 1 << 16
	defaultFlushInterval = 100 * time.Millisecond
	defaultBlockTimeout  = time.Second
	defaultRetries       = 5
	defaultRetryBackoff  = 100 * time.Millisecond
	defaultPersistTO     = 5 * time.Second
	defaultStoreName     = "livedict"
)

// withDefaults validates p and returns a copy with defaults applied.
func (p *Persist[K, V]) withDefaults() (Persist[K, V], error) {
	q := *p
	const f = "Options.Persist."
	if q.Backend == nil {
		return q, optionErr(f+"Backend", "is required")
	}
	if !q.Plaintext && q.Keyring == nil {
		return q, optionErr(f+"Keyring", "is required unless Plaintext is set: persisting without encryption must be asked for")
	}
	if q.Plaintext && q.Keyring != nil {
		return q, optionErr(f+"Plaintext", "is set together with a Keyring; choose one")
	}
	if q.Mode > WriteThrough {
		return q, optionErr(f+"Mode", "unknown persistence %d", q.Mode)
	}
	if q.WhenFull > Fail {
		return q, optionErr(f+"WhenFull", "unknown policy %d", q.WhenFull)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"FlushInterval", &q.FlushInterval, defaultFlushInterval},
		{"BlockTimeout", &q.BlockTimeout, defaultBlockTimeout},
		{"RetryBackoff", &q.RetryBackoff, defaultRetryBackoff},
		{"Timeout", &q.Timeout, defaultPersistTO},
	} {
		if *d.v < 0 {
			return q, optionErr(f+d.name, "must be >= 0, got %v", *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if q.QueueSize < 0 {
		return q, optionErr(f+"QueueSize", "must be >= 0, got %d", q.QueueSize)
	}
	if q.QueueSize == 0 {
		q.QueueSize = defaultQueueSize
	}
	if q.Retries < NoRetry {
		return q, optionErr(f+"Retries", "must be >= 0 or NoRetry, got %d", q.Retries)
	}
	if q.Retries == 0 {
		q.Retries = defaultRetries
	}
	if q.Mode == PersistDefault {
		q.Mode = WriteBehind
	}
	if q.Name == "" {
		q.Name = defaultStoreName
	}
	if q.KeyCodec == nil {
		kc, err := codec.KeyFor[K]()
		if err != nil {
			return q, &OptionError{Field: f + "KeyCodec", Reason: err.Error() + "; set Persist.KeyCodec", Err: err}
		}
		q.KeyCodec = kc
	}
	if q.Codec == nil {
		q.Codec = codec.Msgpack[V]()
	}
	return q, nil
}
