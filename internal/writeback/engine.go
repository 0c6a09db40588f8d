// Package writeback is the one write-back engine of LiveDict: a bounded,
// per-key coalescing queue of writes in front of a pipeline, drained in
// batches by a flusher goroutine or by callers waiting for their own writes
// (group commit), with an exact account of every write it gives up.
//
// The Store (package livedict) is its only user. It appends ops while it
// holds the lock of the shard the key lives in, so that each stripe's log is
// in the order the writes took effect in memory; the engine never takes a
// shard lock itself. What an op holds (P) is the Store's business: the
// engine hands ops to a [Sink] at drain time, which encodes them and does
// the I/O, so encoding stays off the write path.
//
// Files, by concern:
//
//   - engine.go: the types, New, Stop and the counters.
//   - log.go: the stripes' logs, coalescing (collect, compact, requeue),
//     the slabs the coalesced ops live in, and the lookup of queued
//     writes.
//   - backpressure.go: the bound and what a write does when it is reached.
//   - commit.go: drains, group commit of waiting writers, Flush.
//   - schedule.go: the flusher goroutine.
//   - lost.go: the writes given up, and error reporting.
package writeback

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Key names one key of one bucket.
type Key[K comparable] struct {
	Bucket uint32
	Key    K
}

// Op is a write waiting for the backend: the latest payload of its key, or
// its deletion.
type Op[K comparable, P any] struct {
	Key Key[K]
	Val P
	Del bool

	seq      uint64 // order among the ops of the key's stripe
	stripe   int
	attempts int // failed attempts counted against Config.Retries
	ws       []*Waiter
}

// Sink is what the engine drains into.
type Sink[K comparable, P any] interface {
	// Clear removes every record of bucket from the backend.
	Clear(ctx context.Context, bucket uint32) error
	// Write stores ops, setting errs[i] for each op it did not store.
	// Wrap an error with [Permanent] when retrying cannot help (a value
	// that does not encode). ops hold at most one op per key (the engine
	// coalesces before each Write), so a sink may apply them in any order,
	// as the Store's sink does (its deletes before its batched puts).
	Write(ctx context.Context, ops []*Op[K, P], errs []error)
	// BucketName names a bucket in reports.
	BucketName(bucket uint32) string
}

// Full says what a write finding the queue at its bound does.
type Full uint8

const (
	// Wait for room up to Config.BlockTimeout, then give the write up.
	Wait Full = iota
	// Drop gives the write up at once.
	Drop
	// Refuse makes the write fail; nothing is given up.
	Refuse
)

// Config configures an Engine. Every field is required (the Store resolves
// its defaults).
type Config struct {
	Stripes       int // one per shard of the Store
	Limit         int // the bound on queued ops (Persist.QueueSize)
	Full          Full
	BlockTimeout  time.Duration
	Retries       int // retries after the first attempt; 0: none
	FlushInterval time.Duration
	RetryBackoff  time.Duration
	Timeout       time.Duration // bounds each drain
	// Report receives, with no lock held, the first error of a drain that
	// failed and how many ops failed in it.
	Report func(failed int, first error)
}

// Engine is the queue. Its methods are safe for concurrent use.
type Engine[K comparable, P any] struct {
	cfg     Config
	sink    Sink[K, P]
	stripes []stripe[K, P]

	held   atomic.Int64 // ops in logs, carry and flight: what Limit bounds
	logged atomic.Int64 // ops in the stripes' logs, not yet coalesced

	sem   chan struct{} // held while draining
	fails int           // consecutive failed drains, under sem

	// cmu guards carry, clears and flight; it is taken before any stripe
	// lock.
	cmu         sync.Mutex
	carry       []*Op[K, P]         // ops taken from the logs and not yet written, one per key
	carryIdx    map[Key[K]]int      // key → index in carry
	clears      map[uint32]*clearOp // bucket clears not yet written
	flight      []*Op[K, P]         // the batch a drain is writing, one op per key
	flightClear map[uint32]*clearOp
	// spareOps and spareIdx are the flight slice and the coalescing index
	// of the last drain, kept for the next carry or flight: the queue
	// then allocates neither. spareIdx is cleared when taken.
	spareOps []*Op[K, P]
	spareIdx map[Key[K]]int
	// The ops of the carry and the flight are kept in slabs, arrays of
	// slabOps ops that takeLogs fills in turn (slab is the one being
	// filled): carrySlabs are those filled since the last collect,
	// flightSlabs those of the drain in progress. A drain that stored or
	// gave up every op empties its slabs into free (at most Config.Limit
	// ops of capacity in all), for takeLogs to fill again; one that
	// requeued ops leaves its slabs to the collector, since the carry may
	// point into them.
	carrySlabs, flightSlabs [][]Op[K, P]
	slab                    []Op[K, P]
	free                    [][]Op[K, P]

	errBuf []error // drain's per-op errors, under sem

	roomMu  sync.Mutex
	room    chan struct{} // closed and replaced when room may have been made
	waiting atomic.Int32  // writers waiting for room

	wake, urgent chan struct{}
	stop, done   chan struct{}

	lost    lostSet[K]
	markCap int // the most marks a stripe holds before Lost folds them

	stored, errs, dropped atomic.Int64
}

// clearOp is a queued removal of every record of a bucket.
type clearOp struct {
	ws []*Waiter
}

// stripe is the log of one shard's writes, in memory order.
type stripe[K comparable, P any] struct {
	mu   sync.Mutex
	log  []Op[K, P]
	back []Op[K, P] // an empty array for the next log: takeLogs swaps them
	seq  uint64
	n    atomic.Int32 // len(log), read without mu

	marks   []mark[K]    // writes given up, not yet in the lost set (Lost)
	nMarks  atomic.Int32 // len(marks), read without mu
	dropped atomic.Int64 // writes given up by Lost
	_       [64]byte
}

// New returns an engine draining into sink. Call Start to run its flusher.
func New[K comparable, P any](cfg Config, sink Sink[K, P]) *Engine[K, P] {
	lostLimit := max(4*cfg.Limit, 1<<16)
	return &Engine[K, P]{
		cfg:     cfg,
		sink:    sink,
		stripes: make([]stripe[K, P], cfg.Stripes),
		sem:     make(chan struct{}, 1),
		clears:  map[uint32]*clearOp{},
		room:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		urgent:  make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		lost:    lostSet[K]{limit: lostLimit},
		// The marks of all stripes together hold at most as many keys
		// as the lost set does.
		markCap: max(lostLimit/max(cfg.Stripes, 1), 64),
	}
}

// Start runs the flusher goroutine until Stop.
func (e *Engine[K, P]) Start() { go e.run() }

// Stop ends the flusher goroutine and waits for it; writers waiting for
// room give their writes up. It does not drain: call Flush after it.
func (e *Engine[K, P]) Stop() {
	close(e.stop)
	<-e.done
}

// Stats are the engine's counters.
type Stats struct {
	Stored  int64 // ops the sink stored
	Errors  int64 // failed attempts of ops
	Dropped int64 // writes given up
	Pending int   // ops queued: never above Config.Limit plus the write-through writes in progress
	Lost    int   // writes given up whose keys were not written again since (overflow included)
}

// Stats returns the counters.
func (e *Engine[K, P]) Stats() Stats {
	e.foldMarks()
	dropped := e.dropped.Load()
	for i := range e.stripes {
		dropped += e.stripes[i].dropped.Load()
	}
	return Stats{
		Stored:  e.stored.Load(),
		Errors:  e.errs.Load(),
		Dropped: dropped,
		Pending: int(e.held.Load()),
		Lost:    e.lost.len(),
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
