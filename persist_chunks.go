package livedict

import (
	"context"
	"sync/atomic"

	"github.com/livedict/livedict/internal/par"
	"github.com/livedict/livedict/internal/writeback"
)

// A drain's batch is written in chunks of at most chunkOps ops, two at a
// time: while one chunk is in the backend's PutBatch (serial work, or
// I/O), the other is encoded, compressed and sealed, so the flusher keeps
// the cores busy where one batch written whole would leave all but one
// idle during its PutBatch. A chunk's plaintext also stays in the caches
// between encoding and compression, and what a drain holds in arenas is
// bounded by two chunks, not by the queue. The ops hold one op per key
// (the engine coalesces), so the chunks' order does not matter; each op's
// outcome is its own chunk's.
const (
	// chunkOps is large enough that a backend committing each batch
	// (an fsync, a transaction) pays for it over thousands of records.
	chunkOps = 4096
	// chunkWorkers is how many chunks are written at a time: one in the
	// backend while the next is prepared is all the overlap there is.
	chunkWorkers = 2
)

// writeChunks writes ops in chunks on chunkWorkers goroutines, the
// caller's among them, each with a scratch of its own (internal/par: a
// panic in a chunk is raised again in the caller's goroutine once every
// chunk has ended, as it would have been had the batch been written
// whole).
func (p *persister[K, V]) writeChunks(ctx context.Context, ops []*writeback.Op[K, opVal[K, V]], errs []error) {
	n := len(ops)
	if n <= chunkOps {
		p.writeChunk(ctx, &p.scratch[0], ops, errs)
		return
	}
	var next atomic.Int64
	par.Do(chunkWorkers, func(w int) {
		for {
			lo := int(next.Add(chunkOps)) - chunkOps
			if lo >= n {
				return
			}
			hi := min(n, lo+chunkOps)
			p.writeChunk(ctx, &p.scratch[w], ops[lo:hi], errs[lo:hi])
		}
	})
}
