package store

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"time"
)

// Sentinel errors, defined once here and re-exported by package livedict.
// Match them with errors.Is: backends may wrap them.
var (
	// ErrNotFound is matched by the error Get returns for a record that is
	// missing or expired.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed is matched by the error every method but Close returns after
	// Close.
	ErrClosed = errors.New("store: closed")
)

// Record is one persisted entry. Key and Value are opaque bytes, already
// encoded (and possibly compressed or encrypted) by the layers above. A zero
// ExpireAt means the record never expires.
type Record struct {
	Bucket   string
	Key      []byte
	Value    []byte
	ExpireAt time.Time
}

// Expired reports whether r has an expiry that is not after now.
func (r Record) Expired(now time.Time) bool {
	return !r.ExpireAt.IsZero() && !now.Before(r.ExpireAt)
}

// Clone returns a copy of r whose Key and Value share no memory with r's.
func (r Record) Clone() Record {
	r.Key = bytes.Clone(r.Key)
	r.Value = bytes.Clone(r.Value)
	return r
}

// Stage is what a backend is and what each layer wraps. The package
// documentation states what each method must do; in short:
type Stage interface {
	// Put stores r, replacing any record with the same bucket and key. It
	// copies the slices it keeps.
	Put(ctx context.Context, r Record) error
	// Get returns the record for bucket and key, or an error matching
	// ErrNotFound when it is missing or expired. The result does not alias
	// the backend's memory.
	Get(ctx context.Context, bucket string, key []byte) (Record, error)
	// Delete removes the record for bucket and key; a missing record is not
	// an error.
	Delete(ctx context.Context, bucket string, key []byte) error
	// Scan yields every unexpired record of bucket, in any order. An error is
	// yielded with a zero Record and ends the sequence, except a
	// [*RecordError] (one record that cannot be read), after which it goes on.
	Scan(ctx context.Context, bucket string) iter.Seq2[Record, error]
	// Close releases the backend. It is idempotent; afterwards every other
	// method fails with an error matching ErrClosed.
	Close() error
}

// BatchPutter is implemented by a Stage that can store many records in one
// round trip. PutBatch must behave as Put called on each record in order,
// with the same open and context checks made once before any record is
// written. It need not be atomic: when it returns an error, any subset of the
// records may have been stored. It copies the slices it keeps, and a nil or
// empty batch is not an error.
type BatchPutter interface {
	PutBatch(ctx context.Context, rs []Record) error
}

// NativeTTL is implemented by a Stage that may remove expired records by
// itself. NativeTTL reports whether it does, so a Stage that wraps another
// can pass the answer on. A Stage whose NativeTTL returns true must still
// never return an expired record from Get or Scan.
type NativeTTL interface {
	NativeTTL() bool
}

// Pinger is implemented by a Stage that can check its connection. Ping
// returns nil when the backend is reachable and usable, an error matching
// ErrClosed after Close, and an error matching ctx.Err() when ctx is done.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Flusher is implemented by a Stage that acknowledges writes before they are
// durable, such as a write-behind queue. Flush returns nil once every write
// acknowledged before the call is stored as durably as the stage below
// promises; it returns an error matching ctx.Err() if ctx ends first, and
// one matching [ErrClosed] after Close. A Stage that wraps another passes
// Flush on to it.
type Flusher interface {
	Flush(ctx context.Context) error
}

// BucketLister is implemented by a Stage that can list the buckets it holds
// records in. Buckets yields every bucket that has at least one unexpired
// record, each once, in any order; it may also yield a bucket whose records
// have all expired but are not yet swept. An error is yielded with "" and
// ends the sequence. A layer that does not rename buckets passes it on
// (or lets callers reach it through [As]).
type BucketLister interface {
	Buckets(ctx context.Context) iter.Seq2[string, error]
}

// Unwrapper is implemented by a Stage that wraps another one, as every
// layer does. Unwrap returns the wrapped stage, so that [As] can reach a
// stage deeper in a chain (a layer's Stats or Rotate, a backend's own
// methods).
type Unwrapper interface {
	Unwrap() Stage
}

// As reports whether s, or a stage reached from it through Unwrap, is a T,
// and returns the first one found, s itself first. It is for a stage's own
// methods and for capabilities that carry no records (listing buckets,
// pinging): data read past a transform layer is not decoded by it.
func As[T any](s Stage) (T, bool) {
	for s != nil {
		if t, ok := s.(T); ok {
			return t, true
		}
		u, ok := s.(Unwrapper)
		if !ok {
			break
		}
		s = u.Unwrap()
	}
	var zero T
	return zero, false
}

// PutBatch stores rs in s: with one PutBatch call when s is a
// [BatchPutter], otherwise with one Put per record, in order, stopping at
// the first error. It is the one place the fallback is written.
func PutBatch(ctx context.Context, s Stage, rs []Record) error {
	if bp, ok := s.(BatchPutter); ok {
		return bp.PutBatch(ctx, rs)
	}
	for _, r := range rs {
		if err := s.Put(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
