package livedict

import (
	"errors"
	"fmt"

	"github.com/livedict/livedict/store"
)

// Sentinel errors. Match them with errors.Is; messages may carry more detail.
var (
	// ErrClosed is returned by calls made after Store.Close. It is
	// store.ErrClosed, so one errors.Is check covers the store and its
	// backends.
	ErrClosed = store.ErrClosed
	// ErrNotFound is store.ErrNotFound, re-exported: a backend or layer
	// reports a missing record with it.
	ErrNotFound = store.ErrNotFound
	// ErrFull is returned by a write that would take a store or bucket past
	// its MaxKeys or MaxWeight under the Reject policy, after due entries
	// were reaped, and by a write of an entry heavier than a MaxWeight.
	ErrFull = errors.New("livedict: store is full")
	// ErrInvalidOption is matched by every error New and DefineBucket return
	// for a bad option; the message names the field.
	ErrInvalidOption = errors.New("livedict: invalid option")
	// ErrInvalidTTL is returned for a negative TTL other than the sentinels
	// NoExpiry and KeepTTL, and for one longer than MaxTTL.
	ErrInvalidTTL = errors.New("livedict: invalid TTL")
	// ErrBucketRequired is returned by writes to the default bucket of a store
	// whose Options.RequireBucket is set.
	ErrBucketRequired = errors.New("livedict: a bucket is required")
	// ErrWritesLost is store.ErrWritesLost, re-exported: Flush and Close
	// return an error matching it while a write given up (Persist.WhenFull,
	// Persist.Retries) has not been written again; errors.As with a
	// *WritesLostError gives the counts per bucket.
	ErrWritesLost = store.ErrWritesLost
	// ErrQueueFull is store.ErrQueueFull, re-exported: a write-behind write
	// refused under the Fail policy matches it.
	ErrQueueFull = store.ErrQueueFull
	// ErrPanicked is store.ErrPanicked, re-exported: the error of a call
	// whose Loader, codec, layer or backend panicked matches it (Load,
	// LoadMany, a write-through write, Flush, Warm, Clear, Rotate, Close),
	// and so does a write-behind write's failure reported to
	// Persist.OnError; the process goes on.
	ErrPanicked = store.ErrPanicked
	// ErrGuarded is returned by a write that would replace an entry guarded
	// by an access token (SetOptions.Token) without presenting that token:
	// the entry stays as it was.
	ErrGuarded = errors.New("livedict: entry is guarded by an access token")
)

// WritesLostError is store.WritesLostError: the writes given up, counted
// per bucket.
type WritesLostError = store.WritesLostError

// OptionError reports one bad option. It matches ErrInvalidOption.
type OptionError struct {
	Field  string // the option's path, for example "Options.MaxKeys" or `Buckets["a"].MaxKeys`
	Reason string // what is wrong with it
	Err    error  // the underlying error, if any (for example codec.ErrNoKeyCodec)
}

// Error returns "livedict: <field>: <reason>".
func (e *OptionError) Error() string {
	return fmt.Sprintf("livedict: %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidOption) hold, and errors.Is on
// the underlying error when there is one.
func (e *OptionError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidOption, e.Err}
	}
	return []error{ErrInvalidOption}
}

// PersistError is a persistence failure: what OnError receives, and what a
// write-through write or Flush returns. It unwraps to the backend's error,
// so errors.Is(err, context.DeadlineExceeded) and the like hold.
type PersistError struct {
	Op     string // "put", "delete", "clear", "encode", "decode", "flush"
	Bucket string
	// Count is, in what OnError receives, how many failed attempts the
	// error stands for (a failed batch is one call); 0 elsewhere.
	Count int
	Err   error
}

// Error returns "livedict: persist <op> in bucket <bucket>: <err>".
func (e *PersistError) Error() string {
	return fmt.Sprintf("livedict: persist %s in bucket %q: %v", e.Op, e.Bucket, e.Err)
}

// Unwrap returns the underlying error.
func (e *PersistError) Unwrap() error { return e.Err }

func optionErr(field, format string, args ...any) error {
	return &OptionError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// FullError is the error a write refused at a key or weight limit
// returns: it matches ErrFull and says which limit. Bucket is "" for the
// default bucket; Store is true when the store-wide limit refused the
// write; Weight is true when the limit is a MaxWeight (Limit is then a
// weight, else a number of keys). Entry is the weight of an entry refused
// because it alone is heavier than Limit (under the Evict policy, Limit
// is then the shard's share of Options.MaxWeight), 0 otherwise.
type FullError struct {
	Bucket string
	Limit  int64
	Store  bool
	Weight bool
	Entry  int64
}

func (e *FullError) Error() string {
	if e.Weight {
		return e.weightError()
	}
	if e.Store {
		return fmt.Sprintf("livedict: store is full: MaxKeys is %d", e.Limit)
	}
	name := "the default bucket"
	if e.Bucket != "" {
		name = fmt.Sprintf("bucket %q", e.Bucket)
	}
	return fmt.Sprintf("livedict: store is full: %s holds its limit of %d keys", name, e.Limit)
}

// Unwrap makes a FullError match ErrFull.
func (e *FullError) Unwrap() error { return ErrFull }

func (e *FullError) weightError() string {
	name := "the default bucket's"
	switch {
	case e.Store:
		name = "the store's"
	case e.Bucket != "":
		name = fmt.Sprintf("bucket %q's", e.Bucket)
	}
	if e.Entry > 0 {
		return fmt.Sprintf("livedict: store is full: an entry of weight %d is heavier than %s weight limit of %d", e.Entry, name, e.Limit)
	}
	if e.Store {
		return fmt.Sprintf("livedict: store is full: MaxWeight is %d", e.Limit)
	}
	return fmt.Sprintf("livedict: store is full: %s holds its weight limit of %d", name[:len(name)-2], e.Limit)
}
