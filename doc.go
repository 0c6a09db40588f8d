// Package livedict is a typed, sharded, in-memory key-value store with
// per-entry expiry, hooks, buckets and capacity limits: a cache and a home
// for short-lived state (sessions, tokens, rate-limit windows, computed
// results) inside a Go program.
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
// # Closing
//
// [Store.Close] stops the reaper and leaves no goroutine behind. After it,
// writes return [ErrClosed] and reads miss.
package livedict
