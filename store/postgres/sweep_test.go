package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func putExpired(t *testing.T, s *Store, n int) {
	t.Helper()
	var rs []store.Record
	for i := range n {
		rs = append(rs, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "x%03d", i), Value: []byte("v"), ExpireAt: time.Now().Add(-time.Minute)})
	}
	if err := s.PutBatch(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// TestSweepBatches: Sweep deletes every expired row in statements of
// SweepBatch rows, and nothing else.
func TestSweepBatches(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1, SweepBatch: 7})
	if s.NativeTTL() {
		t.Errorf("NativeTTL with the sweeper disabled = true")
	}
	putExpired(t, s, 50)
	if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: []byte("live"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(t.Context()); n != 50 || err != nil {
		t.Errorf("Sweep = %d, %v; want 50", n, err)
	}
	if n := countRows(t, s); n != 1 {
		t.Errorf("rows after the sweep = %d, want 1", n)
	}
	if _, err := s.Sweep(canceled(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("Sweep with a cancelled context = %v", err)
	}
}

func canceled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

// TestSweepSkipsLockedRows: a row another transaction holds is left for a
// later sweep rather than waited for.
func TestSweepSkipsLockedRows(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	putExpired(t, s, 5)
	ctx := t.Context()
	tx, err := connect(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM `+s.names.table+` WHERE key = 'x000' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx); n != 4 || err != nil {
		t.Errorf("Sweep with one row locked = %d, %v; want 4", n, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx); n != 1 || err != nil {
		t.Errorf("Sweep after the lock went = %d, %v; want 1", n, err)
	}
}

// TestSweeper: the background sweeper deletes expired rows and reports
// each sweep; Close stops it (TestMain's goleak check sees it gone).
func TestSweeper(t *testing.T) {
	swept := make(chan int, 100)
	s, err := Open(context.Background(), testDSN(), &Options{Schema: newSchema(t), SweepInterval: time.Millisecond,
		OnSweep: func(n int, err error) {
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			select {
			case swept <- n:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.NativeTTL() {
		t.Errorf("NativeTTL with the sweeper on = false")
	}
	putExpired(t, s, 30)
	for total := 0; total < 30; {
		total += <-swept
	}
	if n := countRows(t, s); n != 0 {
		t.Errorf("rows after the sweeper removed 30 = %d", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := s.Sweep(t.Context()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Sweep after Close = %v, want ErrClosed", err)
	}
}

// TestOnSweepPeriodicOnly: OnSweep reports the sweeper's sweeps, not
// explicit calls of Sweep.
func TestOnSweepPeriodicOnly(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: time.Hour,
		OnSweep: func(int, error) { t.Error("OnSweep called for an explicit Sweep") }})
	putExpired(t, s, 3)
	if n, err := s.Sweep(t.Context()); n != 3 || err != nil {
		t.Errorf("Sweep = %d, %v; want 3", n, err)
	}
}
