package livedict

import (
	"math/rand/v2"
	"runtime"
	"sync/atomic"
)

// Stats are counters since New. Each is exact once the store is quiet;
// under concurrent use they are read without stopping writers.
type Stats struct {
	Hits        uint64 // reads that found a live entry (with Options.ReadStats)
	Misses      uint64 // reads that did not, token mismatches included (with Options.ReadStats)
	TokenMisses uint64 // of Misses: the entry existed but the token was wrong or missing
	Sets        uint64 // successful writes
	Deletes     uint64 // entries removed by Delete
	Expirations uint64 // entries removed because their deadline passed
	Evictions   uint64 // entries evicted by the Evict policy
	Rejections  uint64 // writes refused with ErrFull
	Entries     int    // entries in memory now, across all buckets
	Weight      int64  // total weight (Options.Weigher) of the entries in memory now; 0 without a Weigher

	// Refresh-ahead (Options.RefreshAfter): background reloads whose
	// Loader call returned, and of those the ones that failed (the stale
	// entry was kept). LoadStats has the same counts.
	Refreshes     uint64
	RefreshErrors uint64

	// Persistence (Options.Persist), counted per key write after coalescing.
	Persisted      uint64 // writes and deletes the backend acknowledged
	PersistErrors  uint64 // failed attempts: the sum of the Counts OnError received
	PersistDropped uint64 // writes given up: full queue, retries exhausted, values that do not encode
	PersistPending int    // writes queued or being written: at most Persist.QueueSize (plus write-through writes in progress)
	PersistLost    int    // keys whose latest write was given up and not written again: Flush fails while > 0
}

// readStripes spreads the read-path counters over padded cells picked at
// random per call, so parallel readers of a hot key do not fight over one
// cache line. The write-path counters live in the shards, under their locks.
type readStripes struct {
	cells []readCell
	mask  uint32
}

type readCell struct {
	hits, misses, tokenMisses atomic.Uint64
	_                         [128 - 24]byte
}

func newReadStripes() readStripes {
	n := nextPow2(4 * runtime.GOMAXPROCS(0))
	return readStripes{cells: make([]readCell, n), mask: uint32(n - 1)}
}

func (r *readStripes) cell() *readCell { return &r.cells[rand.Uint32()&r.mask] }

func (r *readStripes) sum() (hits, misses, tokenMisses uint64) {
	for i := range r.cells {
		c := &r.cells[i]
		hits += c.hits.Load()
		misses += c.misses.Load()
		tokenMisses += c.tokenMisses.Load()
	}
	return
}

// shardStats are written under the shard lock and read atomically.
type shardStats struct {
	sets, deletes, expirations, evictions, rejections atomic.Uint64
	weight                                            atomic.Int64 // of the shard's entries (weight.go)
}
