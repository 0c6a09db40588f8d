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
// # Buckets
//
// [Store.Bucket] returns a [View] over a namespace with its own default TTL
// and key limit ([BucketOptions]). The Store itself is the view of the
// default bucket, "". [Options.RequireBucket] forbids writes to the default
// bucket.
//
// # Limits
//
// [Options.MaxKeys] bounds the store. Under the [Reject] policy (the
// default) a write past the bound first reaps due entries, then fails with
// [ErrFull]. Under [Evict], S3-FIFO chooses what to drop, per shard.
// Bucket limits always reject.
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
// it; [PersistNone] keeps the bucket in memory. The durability contract:
//
//   - Set returns when the value is in memory.
//   - In a write-behind bucket a value is durable once [Store.Flush] (or
//     Close) returns nil. Set never returns a persistence error; when the
//     queue is full the write waits for room (Persist.BlockTimeout at
//     most) or is dropped from persistence and counted (Persist.WhenFull).
//   - In a write-through bucket it is durable when Set returns nil; a
//     failure is returned, the value stays in memory and the flusher
//     retries it.
//   - Persistence failures never lose the in-memory value and never panic:
//     they are counted in [Stats] and reported to Persist.OnError; failed
//     writes are retried Persist.Retries times, a newer write of the key
//     always winning over an older one.
//
// Every call that does I/O takes a context: Load, Warm, Flush, Rotate, and
// SetContext, DeleteContext and TouchContext for write-through buckets.
// The other writes (Set, Update, GetOrSet...) bound a write-through
// backend call by Persist.Timeout instead.
//
// Deletes, Touch and Clear reach the backend the same way. Expiry reaches
// it through the record's persisted expiry: a backend never returns an
// expired record and removes it itself or in its sweep. Eviction does not
// delete from the backend, which is what makes [View.Load] useful with the
// Evict policy: Load reads memory, then the backend (storing the record in
// memory with its persisted expiry), then Persist.Loader, with one flight
// per key however many goroutines miss it at once. [Store.Warm] loads
// every persisted record at start. [BucketOptions.Sealed] keeps a bucket's
// values sealed in memory too.
//
// The flusher is the one goroutine a persisting store adds to the reaper;
// Close stops both.
//
// # Closing
//
// [Store.Close] stops the reaper (and the flusher of a persisting store,
// after flushing what is queued and closing the backend) and leaves no
// goroutine behind. After it, writes return [ErrClosed] and reads miss.
package livedict
