// Package fleet shares one bucket among many instances of a service:
// Redis (standalone, Sentinel or Cluster) holds the truth, and each
// instance's [Map] keeps a coherent, typed, decrypted near cache of it.
//
// A bucket of a livedict.Store keeps memory authoritative and mirrors it
// to a backend; instances that must agree (sessions, tokens, rate-limit
// counters) get wrong answers that way. A Map makes the opposite promise:
// Redis is authoritative, and the near cache (a memory-only
// livedict.Store, so a hit allocates nothing) only ever holds what Redis
// held, dropped as soon as Redis says it changed.
//
// # Storage
//
// Each entry is one Redis key, "ld:f:" + Options.Name + ":" + a storage
// name, with no hash tag, so a cluster spreads the keys over its slots.
// With Options.Keyring the storage name is a keyed hash of the key
// ([crypto.Namer] under Options.NameKey) and the value is sealed (bound to
// the Name and the storage name), so neither keys nor values reach Redis
// in the clear, and invalidation messages carry only storage names.
// Without a Keyring the storage name is the encoded key in base64url. A
// value carries a random 64-bit version; expiry is Redis's (PXAT).
//
// # Writes
//
// Set, SetWithTTL, Delete, Touch and Clear return once Redis has
// acknowledged them. Update, GetOrSet, SetIfAbsent, [CompareAndSwap] and
// [Add] read the value and its version, compute, and store with a Lua
// script that writes only if the version is unchanged; on a conflict they
// retry with jittered backoff until ctx ends. So they are atomic across
// instances: 200 Adds of 1 from any number of processes raise a counter by
// exactly 200. A write is never re-sent (go-redis's retries are off for
// it): when its reply is lost, it returns an error matching
// [ErrOutcomeUnknown], and it was applied once or not at all.
//
// # Coherence
//
// Per master, the Map opens a connection of its own, switches it to RESP3
// and turns on CLIENT TRACKING ON BCAST PREFIX for the bucket's prefix;
// a goroutine reads every invalidation as it arrives and drops the named
// entries (a null invalidation, as after FLUSHALL, drops them all). The
// Map's own writes come back as invalidations too, and are dropped
// locally before the write returns, so an instance always reads its own
// writes.
//
// Broadcast tracking keeps no per-key state on the server, so Redis's
// tracking-table limit (tracking-table-max-keys) does not apply; the price
// is that every instance hears of every write to the bucket. RESP3 and
// client tracking need Redis 6 or later.
//
// A fill (a Get that missed and read Redis) could race an invalidation:
// read v1, then the invalidation of v2 arrives, then insert v1. Fills
// therefore take a ticket (the generation of the key's stripe and the
// cache's epoch) before reading and insert only if neither moved.
//
// When a tracking connection fails (an error, EOF, a server that stops
// answering, a master demoted to replica) the Map flushes the whole near
// cache, moves the epoch and reconnects with backoff; for a cluster it
// reads the master set every second and at once after a tracker fails,
// and any change of that set flushes too. Slots moving between masters it
// already tracks need nothing more: broadcast tracking covers every key of
// the prefix on each master, so the destination's writes are seen.
//
// # Guarantee
//
// Writes and read-modify-writes are linearizable. A read is linearizable
// with its start moved back by Options.Lease: it reflects every write that
// completed more than Lease before the read began, and never returns a
// value older than that, or than Options.MaxStaleness, the fallback bound
// if Redis itself loses an invalidation (during a manual cluster failover
// before the old master learns it is demoted, for instance).
// Read-your-writes holds within one Map.
//
// The lease works so: every Lease/4 the tracker sends ROLE on its
// connection. A reply to a ROLE sent at time t, read after everything
// before it on the same connection, proves that every invalidation of a
// write Redis applied before t has been read and applied. A near hit is
// served only while now is before the earliest such t over the masters
// plus Lease; otherwise Get reads Redis and does not fill.
//
// # Hooks
//
// Options.OnSet and Options.OnDelete run on the goroutine of the write
// that made the change, on the instance that made it, after Redis
// acknowledged it. Nothing runs them on other instances: an invalidation
// is not a write of this instance. Expiry is Redis's and runs no hook; so
// do near-cache evictions and Clear. A panicking hook gives the write an
// error matching livedict.ErrPanicked; the write stands.
//
// # Stats
//
// [Map.Stats] counts fills, fills discarded by the race above,
// invalidations, flushes, reconnects, conflicts, lease bypasses and near
// hits and misses. Invalidations and Reconnects move only after what they
// count has taken effect, so a test may wait for them to move.
package fleet
