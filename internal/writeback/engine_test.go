package writeback

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livedict/livedict/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memSink records what the engine stores, and fails while fail is set.
type memSink struct {
	mu     sync.Mutex
	fail   error
	stored map[Key[int]]int // value, or -1 for deleted
	clears []uint32
	twice  []Key[int] // keys that came more than once in one Write
}

func (s *memSink) BucketName(b uint32) string { return string(rune('a' + b)) }

func (s *memSink) Clear(_ context.Context, b uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.clears = append(s.clears, b)
	clearStored(s.stored, b)
	return nil
}

// clearStored removes bucket b's keys from stored, a test sink's records.
func clearStored(stored map[Key[int]]int, b uint32) {
	for k := range stored {
		if k.Bucket == b {
			delete(stored, k)
		}
	}
}

// applyStored applies op to stored, a test sink's records.
func applyStored(stored map[Key[int]]int, op *Op[int, int]) {
	if op.Del {
		delete(stored, op.Key)
	} else {
		stored[op.Key] = op.Val
	}
}

func (s *memSink) Write(_ context.Context, ops []*Op[int, int], errs []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[Key[int]]bool{}
	for i, op := range ops {
		if seen[op.Key] {
			s.twice = append(s.twice, op.Key)
		}
		seen[op.Key] = true
		if s.fail != nil {
			errs[i] = s.fail
			continue
		}
		applyStored(s.stored, op)
	}
}

func (s *memSink) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

func newTest(t *testing.T, limit, retries int, full Full) (*Engine[int, int], *memSink) {
	t.Helper()
	e, s := newIdle(limit, retries, full)
	e.Start()
	t.Cleanup(e.Stop)
	return e, s
}

// newIdle returns an engine whose flusher is not started: only the test's
// own calls drain it, so what the queue holds between them is known.
func newIdle(limit, retries int, full Full) (*Engine[int, int], *memSink) {
	s := &memSink{stored: map[Key[int]]int{}}
	e := New[int, int](Config{Stripes: 2, Limit: limit, Full: full, BlockTimeout: time.Millisecond,
		Retries: retries, FlushInterval: time.Hour, RetryBackoff: time.Millisecond, Timeout: time.Second}, s)
	return e, s
}

// TestCoalesceAndBound: ten writes of a key are one op, the bound counts
// ops, and a full queue under Refuse refuses. The flusher is not started:
// it drains as soon as a quarter of the bound is used, and a drain between
// the fourth key's Append and the last Reserve makes room that Reserve
// rightly takes.
func TestCoalesceAndBound(t *testing.T) {
	e, s := newIdle(4, 0, Refuse)
	k := Key[int]{0, 1}
	for v := range 10 {
		if e.Reserve(context.Background()) != Reserved {
			// The log holds ten ops of one key: the writer compacts them.
			t.Fatalf("write %d refused although the queue holds one key", v)
		}
		e.Append(0, k, v, false, nil)
	}
	if p := e.Stats().Pending; p > 4 {
		t.Fatalf("pending %d past the bound 4", p)
	}
	for i := 2; i < 5; i++ {
		if e.Reserve(context.Background()) != Reserved {
			t.Fatalf("key %d refused below the bound", i)
		}
		e.Append(0, Key[int]{0, i}, i, false, nil)
	}
	if got := e.Reserve(context.Background()); got != Refused {
		t.Fatalf("Reserve at the bound = %v, want Refused", got)
	}
	if err := e.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.stored[k] != 9 || len(s.stored) != 4 || e.Stats().Pending != 0 {
		t.Fatalf("stored %v, pending %d", s.stored, e.Stats().Pending)
	}
}

// TestLostUntilWrittenAgain: an op out of retries is lost; a newer stored
// write of the key clears it, an older one in flight does not.
func TestLostUntilWrittenAgain(t *testing.T) {
	e, s := newTest(t, 16, 0, Wait)
	boom := errors.New("boom")
	s.setFail(boom)
	k := Key[int]{1, 7}
	e.Reserve(context.Background())
	e.Append(1, k, 1, false, nil)
	err := e.Flush(context.Background())
	var wl *store.WritesLostError
	if !errors.As(err, &wl) || wl.Buckets["b"] != 1 || !errors.Is(err, boom) {
		t.Fatalf("Flush = %v, want one lost write in bucket b, caused by boom", err)
	}
	s.setFail(nil)
	if err := e.Flush(context.Background()); !errors.Is(err, store.ErrWritesLost) {
		t.Fatalf("Flush after recovery = %v, want ErrWritesLost until rewritten", err)
	}
	e.Reserve(context.Background())
	e.Append(1, k, 2, false, nil)
	if err := e.Flush(context.Background()); err != nil {
		t.Fatalf("Flush after the key was written again = %v", err)
	}
}

// TestClearOrdering: ops queued before a clear are superseded, ops after
// it are written after it, and a failed clear holds its bucket's ops back.
func TestClearOrdering(t *testing.T) {
	e, s := newTest(t, 16, 5, Wait)
	ctx := context.Background()
	put := func(b uint32, k, v int) {
		e.Reserve(ctx)
		e.Append(k%2, Key[int]{b, k}, v, false, nil)
	}
	put(0, 1, 1)
	put(1, 1, 1)
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	put(0, 2, 2) // superseded by the clear
	s.setFail(errors.New("down"))
	if err := e.ClearBuckets(ctx, map[uint32]bool{0: true}, nil, func(drop func(int)) {
		drop(0)
		drop(1)
	}); err != nil {
		t.Fatal(err)
	}
	put(0, 3, 3) // after the clear
	if err := e.Flush(ctx); err == nil {
		t.Fatal("Flush with a failing clear = nil")
	}
	if _, ok := s.stored[Key[int]{0, 3}]; ok {
		t.Fatal("a write after a failed clear was written before it")
	}
	s.setFail(nil)
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[Key[int]]int{{1, 1}: 1, {0, 3}: 3}
	if len(s.stored) != len(want) || s.stored[Key[int]{1, 1}] != 1 || s.stored[Key[int]{0, 3}] != 3 {
		t.Fatalf("stored %v, want %v", s.stored, want)
	}
}

// TestCoalesceAfterClear: a clear of one bucket leaves the carry's ops of
// the others, and a write queued after it to a carried key still
// coalesces with the carried op. Two ops of a key in one batch would
// leave the backend to order them, and a sink that writes deletes before
// puts (the Store's) would store the older put over the newer delete.
func TestCoalesceAfterClear(t *testing.T) {
	e, s := newIdle(16, 1, Wait)
	ctx := context.Background()
	k := Key[int]{0, 1}
	e.Reserve(ctx)
	e.Append(0, k, 1, false, nil)
	s.setFail(errors.New("down"))
	if err := e.Flush(ctx); err == nil {
		t.Fatal("Flush with a failing sink = nil")
	}
	s.setFail(nil) // the op is in the carry, one retry left
	if err := e.ClearBuckets(ctx, map[uint32]bool{1: true}, nil, func(drop func(int)) {
		drop(0)
		drop(1)
	}); err != nil {
		t.Fatal(err)
	}
	e.Reserve(ctx)
	e.Append(0, k, 0, true, nil)
	if p := e.Stats().Pending; p != 2 {
		t.Fatalf("pending %d before the drain, want 2 (carry and log)", p)
	}
	if err := e.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.twice) != 0 {
		t.Fatalf("one batch held keys %v more than once", s.twice)
	}
	if _, ok := s.stored[k]; ok || e.Stats().Pending != 0 {
		t.Fatalf("stored %v, pending %d; want the key deleted and nothing pending", s.stored, e.Stats().Pending)
	}
}
