package badger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

// putMany writes n records "k00000"… to bucket b, every third one already
// expired, and returns the keys of the live ones in order.
func putMany(t *testing.T, s store.BatchPutter, b string, n int) []string {
	t.Helper()
	var live []string
	rs := make([]store.Record, n)
	for i := range rs {
		k := fmt.Sprintf("k%05d", i)
		rs[i] = store.Record{Bucket: b, Key: []byte(k), Value: []byte("v" + k)}
		if i%3 == 2 {
			rs[i].ExpireAt = time.Now().Add(-time.Second)
		} else {
			live = append(live, k)
		}
	}
	if err := s.PutBatch(t.Context(), rs); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	return live
}

// TestScanPages checks a scan over several pages: every live record once,
// in key order, with the expired ones skipped across page boundaries.
func TestScanPages(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	live := putMany(t, s, "b", 2000)
	putMany(t, s, "bb", 10)
	var got []string
	for _, r := range scanAll(t, s, "b") {
		if !bytes.Equal(r.Value, append([]byte("v"), r.Key...)) {
			t.Errorf("record %q has value %q", r.Key, r.Value)
		}
		got = append(got, string(r.Key))
	}
	if !slices.Equal(got, live) {
		t.Errorf("Scan yielded %d keys, want the %d live ones in order", len(got), len(live))
	}
}

// TestScanCallsBack checks that the loop body of a scan may call the store,
// writes included, and may close it: Scan holds no lock while it yields.
// After Close the scan ends with an error matching store.ErrClosed.
func TestScanCallsBack(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	ctx := t.Context()
	putMany(t, s, "b", 1000)
	n := 0
	var scanErr error
	for r, err := range s.Scan(ctx, "b") {
		if err != nil {
			scanErr = err
			continue
		}
		n++
		if _, err := s.Get(ctx, "b", r.Key); err != nil {
			t.Fatalf("Get inside a scan = %v", err)
		}
		if err := s.Put(ctx, store.Record{Bucket: "other", Key: r.Key, Value: r.Value}); err != nil {
			t.Fatalf("Put inside a scan = %v", err)
		}
		if n == 10 {
			if err := s.Close(); err != nil {
				t.Fatalf("Close inside a scan = %v", err)
			}
			break
		}
	}
	if n != 10 || scanErr != nil {
		t.Fatalf("scan ran %d times with error %v, want 10 and no error", n, scanErr)
	}
	for _, err := range s.Scan(ctx, "b") {
		scanErr = err
	}
	if !errors.Is(scanErr, store.ErrClosed) {
		t.Errorf("Scan after Close yielded %v, want store.ErrClosed", scanErr)
	}
}

// TestScanClosedMidway closes the store from the loop body without
// breaking: the records already read may still come, then the scan ends
// with an error matching store.ErrClosed instead of reading on.
func TestScanClosedMidway(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	live := putMany(t, s, "b", 2000)
	n, errs := 0, 0
	var last error
	for _, err := range s.Scan(t.Context(), "b") {
		if err != nil {
			errs++
			last = err
			continue
		}
		n++
		if n == 1 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if errs != 1 || !errors.Is(last, store.ErrClosed) {
		t.Errorf("scan closed midway yielded %d errors, last %v, want one matching store.ErrClosed", errs, last)
	}
	if n >= len(live) {
		t.Errorf("scan closed midway yielded all %d records, want it to stop reading", n)
	}
}

// TestScanCancelledMidway cancels the context from the loop body: the scan
// ends with an error matching context.Canceled.
func TestScanCancelledMidway(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	live := putMany(t, s, "b", 2000)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n := 0
	var last error
	for _, err := range s.Scan(ctx, "b") {
		if err != nil {
			last = err
			continue
		}
		n++
		cancel()
	}
	if !errors.Is(last, context.Canceled) || n >= len(live) {
		t.Errorf("scan cancelled midway: %d records, last error %v; want fewer than %d and context.Canceled", n, last, len(live))
	}
}
