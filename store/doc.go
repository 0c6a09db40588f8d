// Package store is the contract between LiveDict and the places it persists
// records: files, SQLite, Badger, Redis, or anything else a user plugs in.
//
// A backend is a [Stage]. Layers (compression, encryption, write-behind,
// circuit breaking, logging) are Stages too, each holding the next one, so
// everything said here about a backend also holds for what a layer offers to
// the layer above it. This package defines the interface, the optional
// capabilities, the sentinel errors and [Memory], a reference backend kept in
// memory. Package storetest checks a backend against this contract and
// package faulty injects failures for tests of what sits above a backend.
//
// # Records, buckets and keys
//
// A [Record] names a bucket and a key and carries a value and an optional
// expiry. Keys and values are opaque bytes: by the time they reach a backend
// they may already be encoded, compressed or encrypted, so a backend must
// never interpret, trim, case-fold or normalize them.
//
//   - A key is any byte string: empty, "..", "/", "a/b", containing NUL
//     bytes, not valid UTF-8, or 10 KB long. Two keys are the same key only
//     when their bytes are equal ("Key" and "key" are two keys, also on a
//     case-insensitive file system). A backend that cannot store some bytes
//     directly (a file name, a Redis key prefix) must encode them, not reject
//     them.
//   - A bucket is any string, the empty string included (LiveDict's default
//     bucket is ""). Buckets are isolated: the same key in two buckets is two
//     records, and a read, delete or scan in one bucket never sees another.
//     In particular a bucket name that is a prefix of another ("a" and "ab"),
//     or a separator a backend uses internally ("a" with key ":x" and "a:"
//     with key "x"), must not make two records collide.
//   - A value may be empty or at least 1 MiB long. An empty value may come
//     back as nil or as an empty slice; callers must not tell them apart.
//   - A zero ExpireAt means the record never expires. Otherwise the record
//     exists until ExpireAt and not from then on: a backend compares
//     ExpireAt with time.Now and never returns a record whose ExpireAt is
//     not after now, even if it has not yet removed it. A backend may keep
//     ExpireAt with millisecond precision only, and need not keep its time
//     zone.
//
// # What each method must do
//
// Every method first checks, in this order, that the Stage is open (else it
// returns an error matching [ErrClosed]) and that its context is not done
// (else it returns an error matching ctx.Err(), so errors.Is(err,
// context.Canceled) holds for a cancelled context). In both cases it does no
// work: nothing is written or deleted. Errors are matched with errors.Is;
// backends may wrap sentinels with more detail.
//
//   - [Stage.Put] stores a record, replacing any record with the same bucket
//     and key, and returns nil once the record is stored as durably as the
//     backend promises. It must copy the Key and Value it keeps: the caller
//     may reuse their memory as soon as Put returns. Putting a record whose
//     ExpireAt has passed replaces the old record with one that is never
//     returned.
//   - [Stage.Get] returns the record for bucket and key, with Bucket and Key
//     filled in. A missing or expired record gives an error matching
//     [ErrNotFound]. The returned slices belong to the caller, who may
//     modify them; they must not alias the backend's own memory.
//   - [Stage.Delete] removes the record for bucket and key. Deleting a
//     record that does not exist is not an error.
//   - [Stage.Scan] returns a sequence of every unexpired record of the
//     bucket, in any order, each yielded once with a nil error. The work
//     happens when the sequence is ranged over, so the open and context
//     checks happen then too. A failure is yielded as a zero Record and a
//     non-nil error, after which the sequence ends; the exception is one
//     record that cannot be read (a layer that cannot open or decode it, a
//     backend whose stored bytes are damaged), which is yielded as a
//     [*RecordError] matching [ErrCorrupt], and the sequence goes on
//     with the next record. A Stage that wraps another passes a
//     RecordError on and goes on too. The caller may stop
//     early, and the backend must then stop yielding. Records put or deleted
//     during a scan may or may not be seen. Yielded records must not alias
//     the backend's memory, as for Get. A scan of a bucket that holds nothing
//     yields nothing.
//   - [Stage.Close] releases the backend's resources. It is idempotent: a
//     second Close returns nil. After Close every other method fails with an
//     error matching [ErrClosed]. Data written before Close is seen by the
//     backend when it is opened again over the same storage.
//
// All methods are safe for concurrent use by several goroutines. [Gate]
// holds the open-or-closed state and makes these first checks; its Close
// waits for calls in progress, so a backend never closes under them.
//
// # Optional capabilities
//
// As with database/sql/driver, optional behaviour is an extra interface that
// a Stage may also implement, found with a type assertion; the core
// interface never grows.
//
//   - [BatchPutter]: PutBatch stores many records in one round trip.
//   - [NativeTTL]: the backend removes expired records itself, so LiveDict
//     need not run its own sweep of the backend.
//   - [Pinger]: Ping checks that the backend is reachable.
//   - [Flusher]: Flush waits until writes acknowledged earlier are durable
//     (write-behind layers implement it and pass it on).
//   - [BucketLister]: Buckets lists the buckets that hold records, so that
//     a store reaches buckets its program never declared. Every backend of
//     this repository implements it; layers do not rename buckets and
//     let it be found with [As].
//
// A layer that wraps a Stage should offer a capability only when the Stage
// it wraps does, or emulate it faithfully (PutBatch as a loop of Put).
//
// # Opening backends by URL
//
// Each backend module registers a URL scheme with [Register] when it is
// imported, and [Open] opens a backend from a URL such as
// "sqlite:///var/lib/app.db", "file:///var/lib/app", "badger:///var/lib/app"
// or "redis://127.0.0.1:6379/0". The root module registers only "mem://";
// a URL whose backend is not imported gives an error matching
// [ErrUnknownScheme] that names the module to import.
//
// # Conformance
//
// Every backend runs package storetest from its tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Harness { return newHarness(t) })
//	}
package store
