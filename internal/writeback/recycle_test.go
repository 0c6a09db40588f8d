package writeback

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSlabsRecycled: a drain that stores everything empties the slab its
// ops were copied into and fills it again next time, and the stripe logs
// into the same two arrays in turn, so a steady stream of writes reuses
// the same memory.
func TestSlabsRecycled(t *testing.T) {
	e, s := newIdle(64, 0, Wait)
	ctx := context.Background()
	first := func(ops []Op[int, int]) *Op[int, int] { return &ops[:1][0] }
	var slab *Op[int, int]
	logs := map[*Op[int, int]]bool{}
	for round := range 6 {
		for k := range 8 {
			e.Reserve(ctx)
			e.Append(0, Key[int]{0, k}, round*10+k, false, nil)
		}
		logs[first(e.stripes[0].log)] = true
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for k := range 8 {
			if got := s.stored[Key[int]{0, k}]; got != round*10+k {
				t.Fatalf("round %d: key %d stored %d", round, k, got)
			}
		}
		e.cmu.Lock()
		if len(e.free) != 1 {
			t.Fatalf("round %d: %d slabs free, want 1", round, len(e.free))
		}
		for i, op := range e.free[0][:cap(e.free[0])] {
			if op.Key != (Key[int]{}) || op.Val != 0 || op.ws != nil {
				t.Fatalf("round %d: free slab's op %d not emptied: %+v", round, i, op)
			}
		}
		if round == 0 {
			slab = first(e.free[0])
		} else if first(e.free[0]) != slab {
			t.Fatalf("round %d: the drain filled a new slab", round)
		}
		e.cmu.Unlock()
	}
	if len(logs) != 2 {
		t.Fatalf("the stripe logged into %d arrays, want its 2 in turn", len(logs))
	}
}

// TestRequeuedOpsKeepTheirSlab: the ops of a failed drain stay queued in
// the slab they were copied into, so it must not be filled again: the
// next take would overwrite them. Here the requeued op of key 1
// would become one of the later writes, and key 1 would never be stored.
func TestRequeuedOpsKeepTheirSlab(t *testing.T) {
	e, s := newIdle(64, 5, Wait)
	ctx := context.Background()
	k := Key[int]{0, 1}
	e.Reserve(ctx)
	e.Append(0, k, 7, false, nil)
	s.setFail(errors.New("down"))
	if err := e.Flush(ctx); err == nil {
		t.Fatal("Flush with a failing sink = nil")
	}
	s.setFail(nil)
	for i := 2; i < 10; i++ {
		e.Reserve(ctx)
		e.Append(0, Key[int]{0, i}, i, false, nil)
	}
	if op, found, _ := e.Pending(0, k); !found || op.Val != 7 || op.Key != k {
		t.Fatalf("Pending(key 1) = %+v, %v; want the requeued op of 7", op, found)
	}
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if s.stored[k] != 7 || len(s.stored) != 9 || len(s.twice) != 0 {
		t.Fatalf("stored %v (twice %v), want key 1 = 7 and keys 2..9", s.stored, s.twice)
	}
}

// TestFreeSlabsBounded: after bursts of writes, the slabs kept for reuse
// hold at most Config.Limit ops, the memory QueueSize promises.
func TestFreeSlabsBounded(t *testing.T) {
	const limit = 1100 // three slabs of 512, the last one part full
	e, _ := newIdle(limit, 0, Wait)
	ctx := context.Background()
	for round := range 3 {
		for k := range limit {
			if e.Reserve(ctx) != Reserved {
				t.Fatalf("round %d: write %d found no room", round, k)
			}
			e.Append(k%2, Key[int]{0, round*limit + k}, k, false, nil)
		}
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		e.cmu.Lock()
		kept := len(e.free) * e.slabOps()
		e.cmu.Unlock()
		if kept == 0 || kept > limit {
			t.Fatalf("round %d: free slabs hold %d ops, want 1..%d", round, kept, limit)
		}
	}
}

// countSink stores nothing and allocates nothing: it counts.
type countSink struct{ n int }

func (s *countSink) BucketName(uint32) string                                { return "a" }
func (s *countSink) Clear(context.Context, uint32) error                     { return nil }
func (s *countSink) Write(_ context.Context, ops []*Op[int, int], _ []error) { s.n += len(ops) }

// TestSteadyWritesAllocateNothing: once the slabs, logs and index have
// grown to what the writes need, queueing and draining them allocates
// nothing (the ctx has a deadline within Config.Timeout, so the drain
// does not make one).
func TestSteadyWritesAllocateNothing(t *testing.T) {
	s := &countSink{}
	e := New[int, int](Config{Stripes: 4, Limit: 4096, Full: Wait, BlockTimeout: time.Millisecond,
		FlushInterval: time.Hour, RetryBackoff: time.Millisecond, Timeout: 24 * time.Hour}, s)
	ctx, cancel := context.WithTimeout(context.Background(), 23*time.Hour) // never reached

	defer cancel()
	round := func() {
		for k := range 1000 {
			e.Reserve(ctx)
			e.Append(k%4, Key[int]{0, k % 700}, k, false, nil)
		}
		if err := e.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	round() // each stripe grows one log array in a round; the second
	round() // grows the other
	if allocs := testing.AllocsPerRun(20, round); allocs != 0 {
		t.Fatalf("a round of 1000 writes and a drain allocated %.1f times", allocs)
	}
	// 23 rounds: two above, and AllocsPerRun's one before its 20.
	if s.n != 23*700 {
		t.Fatalf("sink got %d ops, want %d", s.n, 23*700)
	}
}

// slabPayloads counts the ops in e's slabs, carried or in the free list,
// that still hold a payload; e.cmu is held.
func slabPayloads(e *Engine[int, int]) int {
	n := 0
	for _, slabs := range [][][]Op[int, int]{e.carrySlabs, e.flightSlabs, e.free} {
		for _, slab := range slabs {
			for _, op := range slab[:cap(slab)] {
				if op.Val != 0 {
					n++
				}
			}
		}
	}
	return n
}

// TestClearedOpsLetGo: ops a bucket clear removes from the carry stay in
// their slab until a drain settles it, but without their payloads, so
// clears between drains keep no more payloads than the queue holds.
func TestClearedOpsLetGo(t *testing.T) {
	e, _ := newIdle(8, 0, Drop)
	ctx := context.Background()
	for round := range 20 {
		for k := range 8 {
			e.Reserve(ctx)
			e.Append(0, Key[int]{0, round*8 + k}, k+1, false, nil)
		}
		e.compact()
		if err := e.ClearBuckets(ctx, map[uint32]bool{0: true}, nil, func(drop func(int)) { drop(0); drop(1) }); err != nil {
			t.Fatal(err)
		}
	}
	e.cmu.Lock()
	defer e.cmu.Unlock()
	if n := slabPayloads(e); n != 0 {
		t.Fatalf("slabs hold %d payloads of cleared ops", n)
	}
}

// oddSink fails the writes of odd keys and remembers the ops it was given
// and their keys.
type oddSink struct {
	countSink
	seen []*Op[int, int]
	keys []int
}

func (s *oddSink) Write(_ context.Context, ops []*Op[int, int], errs []error) {
	for i, op := range ops {
		s.seen, s.keys = append(s.seen, op), append(s.keys, op.Key.Key)
		if op.Key.Key%2 == 1 {
			errs[i] = errors.New("odd")
		}
	}
}

// TestRequeueLetsStoredGo: a drain that requeues some ops leaves their
// slab to the collector, but lets go of the payloads of the ops it stored.
func TestRequeueLetsStoredGo(t *testing.T) {
	s := &oddSink{}
	e := New[int, int](Config{Stripes: 2, Limit: 64, Full: Wait, BlockTimeout: time.Millisecond,
		Retries: 5, FlushInterval: time.Hour, RetryBackoff: time.Millisecond, Timeout: time.Second}, s)
	ctx := context.Background()
	for k := range 4 {
		e.Reserve(ctx)
		e.Append(0, Key[int]{0, k}, k+1, false, nil)
	}
	if err := e.Flush(ctx); err == nil {
		t.Fatal("Flush with odd keys failing = nil")
	}
	for i, op := range s.seen {
		switch k := s.keys[i]; {
		case k%2 == 1 && (op.Key.Key != k || op.Val != k+1):
			t.Errorf("requeued op of key %d became %+v", k, *op)
		case k%2 == 0 && op.Val != 0:
			t.Errorf("stored op of key %d still holds its payload: %+v", k, *op)
		}
	}
	if len(s.seen) != 4 {
		t.Fatalf("sink saw %d ops, want 4", len(s.seen))
	}
}
