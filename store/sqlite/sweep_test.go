package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/store"
)

func TestSweepDeletesExpiredInBatches(t *testing.T) {
	path := tempPath(t)
	s := mustOpen(t, path, &Options{SweepInterval: -1})
	s.sweepBatch = 10
	var steps []int
	s.afterSweepStep = func(n int) { steps = append(steps, n) }

	ctx := t.Context()
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	var rs []store.Record
	add := func(bucket string, n int, exp time.Time) {
		for range n {
			rs = append(rs, store.Record{Bucket: bucket, Key: fmt.Appendf(nil, "k%d", len(rs)), Value: []byte("v"), ExpireAt: exp})
		}
	}
	add("a", 30, past)
	add("b", 5, past)
	add("a", 3, time.Time{})
	add("b", 2, future)
	if err := s.PutBatch(ctx, rs); err != nil {
		t.Fatal(err)
	}
	// A row that expired at the epoch is stored as 1, not as 0 (never).
	if err := s.Put(ctx, store.Record{Bucket: "c", Key: []byte("epoch"), ExpireAt: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}

	n, err := s.Sweep(ctx)
	if err != nil || n != 36 {
		t.Errorf("Sweep = %d, %v; want 36 expired rows deleted", n, err)
	}
	if want := []int{10, 10, 10, 6}; !slices.Equal(steps, want) {
		t.Errorf("Sweep deleted %v rows per statement, want %v", steps, want)
	}
	if got := countRows(t, rawDB(t, path)); got != 5 {
		t.Errorf("rows left after Sweep = %d, want the 5 unexpired ones", got)
	}
	for _, b := range []string{"a", "b"} {
		if got := len(scanAll(t, s, b)); got != map[string]int{"a": 3, "b": 2}[b] {
			t.Errorf("Scan(%q) after Sweep yielded %d records", b, got)
		}
	}
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("second Sweep = %d, %v; want 0, nil", n, err)
	}
}

func TestSweepChecks(t *testing.T) {
	s, err := Open(tempPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Sweep(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sweep with a cancelled context = %v, want context.Canceled", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(t.Context()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Sweep after Close = %v, want ErrClosed", err)
	}
}

// TestSweeper runs the background sweeper on synctest's clock: nothing is
// swept before the interval, expired rows are swept at it, and Close stops
// the goroutine (synctest fails the test if it outlives the bubble).
func TestSweeper(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := tempPath(t)
		type sweep struct {
			n   int
			err error
		}
		sweeps := make(chan sweep, 10)
		s, err := Open(path, &Options{SweepInterval: time.Minute, OnSweep: func(n int, err error) { sweeps <- sweep{n, err} }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		for i, ttl := range []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second, 0} {
			exp := time.Time{}
			if ttl > 0 {
				exp = time.Now().Add(ttl)
			}
			if err := s.Put(ctx, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%d", i), ExpireAt: exp}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Minute - time.Millisecond)
		synctest.Wait()
		select {
		case sw := <-sweeps:
			t.Fatalf("sweep %+v ran before the interval", sw)
		default:
		}
		if got := countRows(t, s.writer); got != 4 {
			t.Fatalf("rows before the first sweep = %d, want 4", got)
		}

		time.Sleep(time.Millisecond)
		if sw := <-sweeps; sw.n != 2 || sw.err != nil {
			t.Errorf("first sweep = %d, %v; want 2 rows deleted", sw.n, sw.err)
		}
		time.Sleep(time.Minute)
		if sw := <-sweeps; sw.n != 1 || sw.err != nil {
			t.Errorf("second sweep = %d, %v; want 1 row deleted", sw.n, sw.err)
		}
		if got := countRows(t, s.writer); got != 1 {
			t.Errorf("rows after two sweeps = %d, want the one that never expires", got)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if len(sweeps) != 0 {
			t.Errorf("the sweeper reported %d sweeps after Close", len(sweeps))
		}
	})
}

func TestExpiryMillis(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
		want int64
	}{
		{"Zero", time.Time{}, 0},
		{"Epoch", time.Unix(0, 0), 1},
		{"HalfMillisecond", time.Unix(0, 500_000), 1},
		{"BeforeEpoch", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{"RoundedDown", time.UnixMilli(1_700_000_000_123).Add(999_999), 1_700_000_000_123},
		{"FarFuture", time.Date(300_000_000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := toMillis(tc.t); got != tc.want {
				t.Errorf("toMillis(%v) = %d, want %d", tc.t, got, tc.want)
			}
		})
	}
}

// TestExpiryEdges checks what Get makes of stored expiries at the edges.
func TestExpiryEdges(t *testing.T) {
	s := mustOpen(t, tempPath(t), &Options{SweepInterval: -1})
	ctx := t.Context()
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		key     string
		exp     time.Time
		visible bool
	}{
		{"epoch", time.Unix(0, 0), false},
		{"before epoch", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"just passed", time.Now().Add(-time.Millisecond), false},
		{"year 3000", far, true},
		{"never", time.Time{}, true},
	} {
		if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte(tc.key), Value: []byte("v"), ExpireAt: tc.exp}); err != nil {
			t.Fatal(err)
		}
		r, err := s.Get(ctx, "b", []byte(tc.key))
		switch {
		case tc.visible && err != nil:
			t.Errorf("Get(%q) = %v, want the record", tc.key, err)
		case tc.visible && !r.ExpireAt.Equal(tc.exp):
			t.Errorf("Get(%q).ExpireAt = %v, want %v", tc.key, r.ExpireAt, tc.exp)
		case !tc.visible && !errors.Is(err, store.ErrNotFound):
			t.Errorf("Get(%q) with ExpireAt %v = %v, want ErrNotFound", tc.key, tc.exp, err)
		}
	}
}

// scanAll collects a bucket's records by key.
func scanAll(t testing.TB, s store.Stage, bucket string) map[string]store.Record {
	t.Helper()
	got := make(map[string]store.Record)
	for r, err := range s.Scan(context.Background(), bucket) {
		if err != nil {
			t.Fatalf("Scan(%q): %v", bucket, err)
		}
		got[string(r.Key)] = r
	}
	return got
}
