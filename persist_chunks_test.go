package livedict_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/store"
)

// chunkRecorder is a memory backend that records the PutBatch calls it
// gets and how many were in progress at once, and fails, storing nothing,
// every batch that holds the key poison.
type chunkRecorder struct {
	*store.Memory
	poison string

	inFlight, maxInFlight atomic.Int32
	mu                    sync.Mutex
	sizes                 []int
	failed                []string // the keys of the batches failed
}

func (c *chunkRecorder) PutBatch(ctx context.Context, rs []store.Record) error {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for m := c.maxInFlight.Load(); n > m && !c.maxInFlight.CompareAndSwap(m, n); m = c.maxInFlight.Load() {
	}
	c.mu.Lock()
	c.sizes = append(c.sizes, len(rs))
	c.mu.Unlock()
	for _, r := range rs {
		if string(r.Key) == c.poison {
			c.mu.Lock()
			for _, r := range rs {
				c.failed = append(c.failed, string(r.Key)) // rs is the caller's memory
			}
			c.mu.Unlock()
			return errRefused
		}
	}
	return c.Memory.PutBatch(ctx, rs)
}

// TestLargeDrainWrittenInChunks: a drain of more writes than a chunk holds
// reaches the backend as PutBatch calls of at most livedict.ChunkOps
// records, at most two at a time, together holding every write once; a
// chunk that fails loses its own writes and no other's.
func TestLargeDrainWrittenInChunks(t *testing.T) {
	data := new(store.MemoryData)
	be := &chunkRecorder{Memory: store.NewMemoryShared(data), poison: "k77"}
	s := mustNew(t, &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
		Backend: be, Plaintext: true, Mode: livedict.WriteBehind, Codec: codec.String(),
		QueueSize: 1 << 16, FlushInterval: 1 << 40, Retries: livedict.NoRetry,
		OnError: func(error) {}}})
	defer s.Close()
	n := 3*livedict.ChunkOps + 100
	key := func(i int) string { return "k" + strconv.Itoa(i) }
	for i := range n {
		if err := s.Set(key(i), "v"+strconv.Itoa(i), livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Flush(context.Background())

	be.mu.Lock()
	sizes, failed := be.sizes, be.failed
	be.mu.Unlock()
	total := 0
	for _, size := range sizes {
		if size > livedict.ChunkOps {
			t.Fatalf("a PutBatch of %d records, more than a chunk (%d)", size, livedict.ChunkOps)
		}
		total += size
	}
	if len(sizes) < 4 || total != n {
		t.Fatalf("%d PutBatch calls with %d records in all, want at least 4 with %d", len(sizes), total, n)
	}
	if m := be.maxInFlight.Load(); m > 2 {
		t.Fatalf("%d PutBatch calls in progress at once, want at most 2", m)
	}
	if len(failed) == 0 || len(failed) > livedict.ChunkOps {
		t.Fatalf("%d records in the failed batch", len(failed))
	}
	var wl *livedict.WritesLostError
	if !errors.As(err, &wl) || wl.Lost() != len(failed) || !errors.Is(err, errRefused) {
		t.Fatalf("Flush = %v, want the %d writes of the failed chunk lost to errRefused", err, len(failed))
	}
	lost := map[string]bool{}
	for _, k := range failed {
		lost[k] = true
	}
	raw := store.NewMemoryShared(data)
	for i := range n {
		r, err := raw.Get(context.Background(), "", []byte(key(i)))
		switch {
		case lost[key(i)]:
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s, lost, is in the backend: %q, %v", key(i), r.Value, err)
			}
		case err != nil || string(r.Value) != "v"+strconv.Itoa(i):
			t.Fatalf("%s: backend has %q, %v", key(i), r.Value, err)
		}
	}
}
