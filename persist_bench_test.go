package livedict_test

import (
	"context"
	"errors"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// BenchmarkPersistSet compares a Set in a memory-only store with a Set in
// a write-behind bucket and in a write-through bucket, over a store.Memory
// backend through s2 and AES-GCM, 1 KiB values, 64k keys.
//
//   - write-behind-drop is the cost of the Set path (the target: at most
//     1.5× the memory Set): with the Drop policy a Set never waits for the
//     flusher, which encodes, compresses and seals on its own goroutine;
//     on 2 cores that goroutine, and its garbage, share the machine with
//     the writer.
//   - write-behind-block is the sustained rate when Sets outpace the
//     flusher: Block makes them wait for room, so it measures the flusher
//     (which encodes, compresses and seals every write that is not
//     coalesced away: the queue holds at most QueueSize writes), in
//     chunks of 4096 writes, one in the backend while the next is
//     encoded (persist_chunks.go).
//   - write-through waits for the backend on every Set (concurrent
//     writers would share batches; one goroutine cannot).
//   - write-behind-drop-idle is write-behind-drop with a backend that
//     holds the flusher's first batch until the timer stops: every later
//     write is given up, and nothing runs on the other core. It is the
//     Set path's own cost under Drop, apart from the flusher's share of
//     the machine.
func BenchmarkPersistSet(b *testing.B) {
	value := make([]byte, 1024)
	for i := range value {
		value[i] = byte(i % 17)
	}
	ring, nk := testKeys(b)
	for _, c := range []struct {
		name string
		mode livedict.Persistence
		full livedict.FullPolicy
		idle bool
	}{
		{"memory", livedict.PersistNone, 0, false},
		{"write-behind-drop", livedict.WriteBehind, livedict.Drop, false},
		{"write-behind-drop-idle", livedict.WriteBehind, livedict.Drop, true},
		{"write-behind-block", livedict.WriteBehind, livedict.Block, false},
		{"write-through", livedict.WriteThrough, 0, false},
	} {
		b.Run("mode="+c.name, func(b *testing.B) {
			opts := &livedict.Options[int, []byte]{}
			var backend store.Stage = store.NewMemory()
			var f *faulty.Faulty
			if c.idle {
				f = faulty.Wrap(store.NewMemory())
				f.Hang()
				backend = f
			}
			if c.mode != livedict.PersistNone {
				opts.Persist = &livedict.Persist[int, []byte]{
					Backend: backend, Keyring: ring, NameKey: nk, Mode: c.mode,
					Codec: codec.Bytes(), Compress: &layer.CompressOptions{},
					WhenFull: c.full, OnError: func(error) {},
				}
			}
			s := mustNew(b, opts)
			defer s.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.Set(i&(1<<16-1), value, livedict.NoExpiry); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.StopTimer()
			if f != nil {
				f.Release()
			}
			if c.mode != livedict.PersistNone {
				// Drop gives writes up when the queue is full, Block when
				// BlockTimeout passes first, and Flush says so: that is
				// the policy working, not a failure. lost/op says how
				// much of the run it gave up.
				err := s.Flush(context.Background())
				if err != nil && !(c.mode == livedict.WriteBehind && errors.Is(err, livedict.ErrWritesLost)) {
					b.Fatal(err)
				}
				b.ReportMetric(float64(s.Stats().PersistDropped)/float64(i), "lost/op")
			}
		})
	}
}
