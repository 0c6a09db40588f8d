package writeback

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestDroppedMarks: a write Lost gives up counts in Stats and in Flush's
// error before any drain has folded it, a newer write of the key stored
// clears it, an older one does not, and a clear forgets the marks of its
// buckets only.
func TestDroppedMarks(t *testing.T) {
	ctx := context.Background()
	lostIn := func(t *testing.T, e *Engine[int, int]) map[string]int {
		t.Helper()
		var wl *store.WritesLostError
		if err := e.LostErr(); err == nil {
			return nil
		} else if !errors.As(err, &wl) {
			t.Fatalf("LostErr = %v, want a *WritesLostError", err)
		}
		return wl.Buckets
	}
	t.Run("counted before a drain", func(t *testing.T) {
		e, _ := newIdle(16, 0, Drop)
		e.Lost(0, Key[int]{0, 1})
		e.Lost(1, Key[int]{1, 2})
		e.Lost(1, Key[int]{1, 2})
		if st := e.Stats(); st.Dropped != 3 || st.Lost != 2 {
			t.Fatalf("Stats = %+v, want 3 dropped, 2 keys lost", st)
		}
		if got := lostIn(t, e); got["a"] != 1 || got["b"] != 1 {
			t.Fatalf("lost per bucket %v, want a:1 b:1", got)
		}
	})
	t.Run("newer write stored clears", func(t *testing.T) {
		e, _ := newIdle(16, 0, Drop)
		k := Key[int]{0, 1}
		e.Lost(0, k)
		e.Reserve(ctx)
		e.Append(0, k, 2, false, nil)
		if err := e.Flush(ctx); err != nil {
			t.Fatalf("Flush after the key was written again = %v", err)
		}
	})
	t.Run("older write stored does not clear", func(t *testing.T) {
		e, s := newIdle(16, 0, Drop)
		k := Key[int]{0, 1}
		e.Reserve(ctx)
		e.Append(0, k, 1, false, nil)
		e.Lost(0, k)
		if err := e.Flush(ctx); !errors.Is(err, store.ErrWritesLost) {
			t.Fatalf("Flush = %v, want ErrWritesLost: the newest write was given up", err)
		}
		if s.stored[k] != 1 {
			t.Fatalf("stored %v, want the older write stored", s.stored)
		}
	})
	t.Run("clear forgets its buckets' marks", func(t *testing.T) {
		e, _ := newIdle(16, 0, Drop)
		e.Lost(0, Key[int]{0, 1})
		e.Lost(0, Key[int]{1, 1})
		if err := e.ClearBuckets(ctx, map[uint32]bool{0: true}, nil, func(drop func(int)) {
			drop(0)
			drop(1)
		}); err != nil {
			t.Fatal(err)
		}
		if got := lostIn(t, e); len(got) != 1 || got["b"] != 1 {
			t.Fatalf("lost per bucket %v after clearing bucket a, want b:1", got)
		}
		// The clear forgets the loss, not that the write was given up.
		if st := e.Stats(); st.Dropped != 2 {
			t.Fatalf("Stats.Dropped = %d after the clear, want 2", st.Dropped)
		}
	})
	t.Run("marks bounded", func(t *testing.T) {
		e, _ := newIdle(16, 0, Drop)
		for i := range 3 * e.markCap {
			e.Lost(0, Key[int]{0, i % 100})
			if n := len(e.stripes[0].marks); n >= e.markCap {
				t.Fatalf("stripe holds %d marks, cap %d", n, e.markCap)
			}
		}
		if st := e.Stats(); st.Lost != 100 {
			t.Fatalf("Stats.Lost = %d, want 100 keys", st.Lost)
		}
	})
	t.Run("writers go on while marks go in", func(t *testing.T) {
		e, _ := newIdle(16, 0, Drop)
		st := &e.stripes[0]
		calls := 0
		e.lost.swapped = func() {
			calls++
			if !st.mu.TryLock() {
				t.Fatal("the stripe's lock is held while its marks go into the lost set")
			}
			st.mu.Unlock()
			// A writer of the stripe gives up and queues a write now.
			e.Lost(0, Key[int]{0, 2})
			e.Reserve(ctx)
			e.Append(0, Key[int]{0, 3}, 3, false, nil)
		}
		e.Lost(0, Key[int]{0, 1})
		_ = e.Stats() // a reader folds
		if calls != 1 {
			t.Fatalf("the fold ran its hook %d times, want 1", calls)
		}
		e.lost.swapped = nil
		if st := e.Stats(); st.Dropped != 2 || st.Lost != 2 || st.Pending != 1 {
			t.Fatalf("Stats = %+v, want 2 dropped, 2 keys lost, 1 pending", st)
		}
	})
}

// TestDropCountsExactly: writers on both stripes outpace a small queue
// under Drop while the flusher drains, with and without a reader folding
// marks (Stats, LostErr) all the time; after Flush a key counts as lost
// exactly when its last write was given up, and every other key holds its
// last value. A mark folded after a newer op of its key was stored would
// count a key lost whose last write is stored.
func TestDropCountsExactly(t *testing.T) {
	for _, reader := range []bool{false, true} {
		t.Run(fmt.Sprintf("reader=%v", reader), func(t *testing.T) { dropCountsExactly(t, reader) })
	}
}

func dropCountsExactly(t *testing.T, reader bool) {
	ctx := context.Background()
	e, s := newTest(t, 8, 0, Drop)
	const writers, keys, rounds = 4, 16, 300
	type last struct {
		val     int
		dropped bool
	}
	lasts := make([][]last, writers)
	stop := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for reader {
			select {
			case <-stop:
				return
			default:
				_ = e.Stats()
				_ = e.LostErr()
				runtime.Gosched()
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range writers {
		lasts[g] = make([]last, keys)
		wg.Go(func() {
			stripe := g % 2
			for v := 1; v <= rounds; v++ {
				for j := range keys {
					k := Key[int]{Bucket: 0, Key: g*keys + j}
					if e.Reserve(ctx) == Reserved {
						e.Append(stripe, k, v, false, nil)
						lasts[g][j] = last{v, false}
					} else {
						e.Lost(stripe, k)
						lasts[g][j] = last{v, true}
					}
					runtime.Gosched() // let the flusher drain between writes
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-readerDone

	err := e.Flush(ctx)
	want := 0
	s.mu.Lock()
	defer s.mu.Unlock()
	for g := range writers {
		for j, l := range lasts[g] {
			k := Key[int]{Bucket: 0, Key: g*keys + j}
			if l.dropped {
				want++
			} else if got := s.stored[k]; got != l.val {
				t.Errorf("key %v holds %d, its last write was %d", k, got, l.val)
			}
		}
	}
	var wl *store.WritesLostError
	switch {
	case want == 0 && err != nil:
		t.Fatalf("Flush = %v, no last write was given up", err)
	case want > 0 && !errors.As(err, &wl):
		t.Fatalf("Flush = %v, want a *WritesLostError for %d keys", err, want)
	case want > 0 && wl.Lost() != want:
		t.Fatalf("Flush counts %d lost keys, want %d: the keys whose last write was given up", wl.Lost(), want)
	}
	if st := e.Stats(); st.Lost != want {
		t.Fatalf("Stats.Lost = %d, want %d", st.Lost, want)
	}
}

// TestClearWhileReadersFold: a bucket's clear forgets every write given up
// in it before the clear, even when a reader folds the stripes' marks into
// the lost set in the middle of it. ClearBuckets filters a stripe's marks
// before it forgets the keys folded already: in the other order, a mark
// folded in between would outlive the clear.
func TestClearWhileReadersFold(t *testing.T) {
	ctx := context.Background()
	e, _ := newIdle(16, 0, Drop)
	for i := range 8 {
		e.Lost(0, Key[int]{uint32(i % 2), i})
	}
	folds := 0
	e.lost.filtered = func() {
		folds++
		_ = e.Stats() // a reader folds
	}
	if err := e.ClearBuckets(ctx, map[uint32]bool{0: true}, nil, func(drop func(int)) {
		drop(0)
		drop(1)
	}); err != nil {
		t.Fatal(err)
	}
	if folds != 2 {
		t.Fatalf("the hook ran %d times, want once per stripe", folds)
	}
	var wl *store.WritesLostError
	if err := e.LostErr(); !errors.As(err, &wl) {
		t.Fatalf("LostErr = %v, want bucket b's writes lost", err)
	}
	if len(wl.Buckets) != 1 || wl.Buckets["b"] != 4 {
		t.Fatalf("lost per bucket %v after clearing bucket a, want b:4", wl.Buckets)
	}
	if st := e.Stats(); st.Dropped != 8 {
		t.Fatalf("Stats.Dropped = %d, want 8: a clear does not undo a count", st.Dropped)
	}
}
