// Package livedict is a typed, sharded, in-memory key-value store with
// per-entry expiry, hooks, buckets and capacity limits: a cache and a home
// for short-lived state (sessions, tokens, rate-limit windows, computed
// results) inside a Go program, optionally persisted, compressed and
// encrypted to a durable backend.
//
//	s, err := livedict.New[string, int](nil)
//	if err != nil { ... }
//	defer s.Close()
//	s.Set("answer", 42, time.Minute)
//	v, ok := s.Get("answer")
//
// # Reads and writes
//
// [View.Get] takes no lock and allocates nothing: the index is a hash table
// per shard whose readers use atomic loads only. A write builds a new entry
// and publishes it under its shard's lock, so a reader sees a value whole or
// not at all, and every Set that returned is visible to every later Get on
// any goroutine. Values are stored as given: a V that is a pointer, slice or
// map is shared with the caller, not copied.
//
// # Expiry
//
// Each entry may have a deadline: [View.Set] takes a TTL, with the sentinels
// [DefaultTTL] (the bucket's default), [NoExpiry] and [KeepTTL]. Reads never
// return an entry whose deadline has passed. Removal is done by one reaper
// goroutine per store, which sleeps until the next deadline and removes due
// entries at most one millisecond (package expiry's Tick) after their
// deadline once it runs; an idle store does no periodic work. Deadlines use
// the monotonic clock, so changes to the wall clock do not move them.
//
// A TTL is a time.Duration, and three of its values are sentinels, not
// durations; a computed TTL that lands on one of them means what the
// sentinel means:
//
//	ttl                     meaning
//	0 (DefaultTTL)          the bucket's default TTL (which may be none), not "expire now"
//	-1ns (NoExpiry)         no deadline: the entry never expires
//	-2ns (KeepTTL)          keep the replaced entry's deadline (the default when there is none)
//	other negative values   ErrInvalidTTL
//	more than MaxTTL        ErrInvalidTTL (100 years)
//
// So a caller that computes a TTL from a deadline (time.Until(at)) must not
// pass the result on unchecked: at the deadline it is 0, the default, and
// a nanosecond after it -1ns, never. The absolute forms take the deadline itself
// instead: [View.SetUntil], [SetOptions.ExpireAt] and [View.TouchUntil].
// They keep it exactly ([View.Deadline] returns a time equal to it), take
// the zero time.Time as no deadline (so a deadline read back with Deadline
// or Items can be written as it is), and refuse a time not in the future
// with [ErrDeadlinePassed], storing nothing. [View.Warm], [View.Load] and
// snapshot restores give each entry the deadline its record holds, exactly,
// in the same way.
//
// # Buckets
//
// [Store.Bucket] returns a [View] over a namespace with its own default TTL
// and key limit ([BucketOptions]). The Store itself is the view of the
// default bucket, "": s.Len() and s.Clear() act on it, while the methods
// that cover every bucket have names of their own ([Store.LenAll],
// [Store.ClearAll], [Store.WarmAll]). [Options.RequireBucket] forbids
// writes to the default bucket. Creating a bucket costs O(1); a store
// holds at most [MaxBuckets] at once (past it, writes to a new bucket fail
// with [ErrTooManyBuckets]), and [Store.DropBucket] removes a bucket, from
// the backend too, and frees its id.
//
// # Access tokens
//
// An entry stored with [SetOptions.Token] is guarded: to every operation
// that does not present its token it is a miss, and none of them replaces,
// removes, re-times or unguards it. Precisely, without the token (or with
// another one):
//
//   - Get, GetWithToken, Has, TTL, Deadline and Load miss; All and Keys
//     skip the entry (they always yield the same keys).
//   - Set, SetContext, SetWith, GetOrSet, SetIfAbsent and Update fail
//     with [ErrGuarded] and store nothing; Update calls fn as for an
//     absent key first, and fails only if fn asks to store.
//     CompareAndSwap finds no value to compare, so it returns false.
//   - Delete, DeleteContext, Touch and TouchContext return false and
//     change nothing, in memory or in the backend.
//
// With the token, [View.GetWithToken], [View.DeleteWithToken],
// [View.TouchWithToken] and SetWith (its Token presents it, and guards the
// new entry) act on the entry as the plain methods act on an unguarded one.
// What ignores tokens: [View.Len] counts guarded entries (it is what
// MaxKeys limits), Clear removes them, expiry and eviction apply to them,
// and hooks receive their values. A guarded entry is never persisted (a
// backend record carries no token, so it would come back unguarded): its
// write deletes the key's record instead, and it lives in memory only.
//
// # Limits
//
// [Options.MaxKeys] bounds the store. Under the [Reject] policy (the
// default) a write past the bound first reaps due entries, then fails with
// [ErrFull]. Under [Evict], S3-FIFO chooses what to drop, per shard.
// Bucket limits always reject.
//
// # Weight
//
// [Options.Weigher] gives each entry a weight (its size in bytes, or any
// cost), and [Options.MaxWeight] and [BucketOptions.MaxWeight] bound the
// sum, with the same policies as MaxKeys: under Reject a write past the
// bound fails with a [*FullError] naming the weight limit (it matches
// ErrFull), under Evict entries are evicted until the new one fits, each
// shard holding its share of MaxWeight. An entry heavier than a limit on
// its own is always refused. An overwrite counts the difference between
// the new weight and the old. [Stats.Weight] and [View.Weight] report the
// sums. The store keeps no weight per entry: it weighs an entry again when
// it leaves, so the Weigher must be a pure function of the key and value.
//
// # Hooks
//
// Hooks run outside every lock, so they may call back into the store; a
// panicking hook is recovered and reported to [Options.OnHookPanic]. Which
// goroutine runs each:
//
//   - OnSet listeners: the writer's, after the write.
//   - OnAccess (store-wide and per entry): the reader's, after the read.
//   - OnExpire (per entry, then store-wide) and OnDelete with
//     ReasonExpired: the reaper's, in deadline order within a pass. Do not
//     call Close from them.
//   - OnEvict and OnDelete with ReasonEvicted: the writer's whose write
//     made room.
//   - OnDelete with ReasonDeleted or ReasonCleared: the caller's of Delete
//     or Clear.
//
// Every entry that reaches its deadline while stored gets exactly one
// OnExpire, whether the reaper or a write that found it removes it.
//
// # Bulk calls
//
// [View.GetMany], [View.GetManyInto], [View.SetMany] and [View.DeleteMany]
// (with [View.SetManyContext] and [View.DeleteManyContext]) act on many
// keys of one bucket. Each keeps every rule of the single call it stands
// for (TTL sentinels, limits, access tokens, hooks, persistence), and the
// tests hold each to a loop of those calls. A bulk write sorts its keys by
// shard first and takes each shard lock it needs once; a bulk read, like
// Get, takes none. GetManyInto fills caller-provided buffers and
// allocates nothing; GetMany allocates only the map it returns. A
// SetMany is not all-or-nothing: the keys that fit are stored, and a
// [BulkError] names each key that failed, by index, with the single
// call's error. Its hooks run after every lock is released, in the order
// of the keys, on the caller's goroutine.
//
// # Persistence
//
// With [Options.Persist] a store also writes its buckets to a backend
// (package store and the backend modules store/sqlite, store/badger,
// store/fs, store/redis) through a pipeline fixed at New: the value
// [codec], optional compression, encryption with a [crypto.Keyring] (or,
// only when asked for with Persist.Plaintext, none), then Persist.Layers.
// Memory stays authoritative and Get never touches the backend.
//
// Each bucket has a [Persistence]: [WriteBehind] (the default) acknowledges
// a write once it is in memory and a flusher goroutine writes it later, in
// batches, coalesced per key; [WriteThrough] returns once the backend has
// it; [PersistNone] keeps the bucket in memory. One write-back engine
// (internal/writeback) serves both. The durability contract
// (docs/layers.md has it in full):
//
//   - Set returns when the value is in memory.
//   - [Store.Flush] returns nil only when every write acknowledged before
//     the call is stored. In a write-behind bucket a value is durable once
//     Flush (or Close) returns nil; in a write-through bucket, when the
//     write returns nil (a failure is returned, the value stays in memory
//     and the write is retried in the background).
//   - A write the engine gives up (Persist.WhenFull, Persist.Retries, a
//     value that does not encode) keeps Flush and Close failing with an
//     error matching [ErrWritesLost] ([WritesLostError] counts the keys per
//     bucket) until its key is written again and stored.
//   - Persist.QueueSize bounds the queue, and so its memory, whatever the
//     backend does; a write waits for room at most Persist.BlockTimeout,
//     or, under [Fail], is refused with [ErrQueueFull].
//   - Persistence failures never lose the in-memory value and never panic.
//     A panicking Loader, codec, layer or backend gives the call that
//     reached it an error matching [ErrPanicked] (for a write-behind write:
//     Flush and OnError), and the process goes on.
//
// Deletes, Touch and Clear reach the backend the same way. Expiry reaches
// it through the record's persisted expiry: a backend never returns an
// expired record and removes it itself or in its sweep. Eviction does not
// delete from the backend, which is what makes [View.Load] useful with the
// Evict policy: Load reads memory, then the backend (storing the record in
// memory with its persisted expiry), then Options.Loader, with one flight
// per key however many goroutines miss it at once. A Loader needs no
// backend: a memory-only store with one is a read-through cache.
// Options.RefreshAfter reloads entries in the background before they
// expire, Options.NegativeTTL remembers keys that exist nowhere, and
// [View.LoadMany] loads a batch with one Options.BulkLoader call
// (docs/loading.md).
// [Store.WarmAll] loads every persisted record at start, of every bucket
// the backend lists, declared or not; a record it cannot read is skipped
// and reported by its storage name ([SkippedError]), never hiding the
// others. [BucketOptions.Sealed] keeps a bucket's values sealed in memory;
// it needs a keyring (Options.Keyring, or Persist.Keyring), not a backend,
// and [Store.Rotate] re-seals them with the persisted records.
//
// The flusher is the one long-lived goroutine a persisting store adds to
// the reaper; Close stops both. A drain of more than 4096 writes is
// written in chunks of 4096, two at a time on short-lived goroutines (one
// chunk in the backend's PutBatch while the next is encoded), so a
// backend gets batches of at most 4096 records and at most two PutBatch
// calls of one store at once; each write's outcome is its chunk's. A
// chunk is encoded (from 256 writes), compressed and sealed (from 128) in
// parts on up to GOMAXPROCS short-lived goroutines, which end before its
// batch is written. All of them end before the drain does.
//
// # Which calls can block
//
// Get, GetMany, GetManyInto, Has, TTL, Deadline, All, Keys, Len and Stats
// never block. Every
// write can, in a persisted bucket: a write-behind write waits for room
// when the queue is full (Block, at most BlockTimeout), a write-through
// write waits for the backend (Persist.Timeout at most), and Clear waits
// for a drain in progress. Each write has a form taking a context, named
// with the suffix Context (SetContext, SetWithContext, GetOrSetContext,
// SetIfAbsentContext, UpdateContext, [CompareAndSwapContext],
// DeleteContext, TouchContext, ClearContext, ClearAllContext,
// SetManyContext, DeleteManyContext), whose
// context bounds those waits. Load, Warm, WarmAll, Flush and Rotate take
// a context and do I/O. In a bucket that is not persisted no call blocks
// but Load, which may call Options.Loader.
//
// # Closing
//
// [Store.Close] stops the reaper (and the flusher of a persisting store,
// after flushing what is queued and closing the backend) and leaves no
// goroutine behind. After it, writes return [ErrClosed] and reads miss.
package livedict
