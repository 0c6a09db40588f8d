package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestScanPages scans a bucket of several pages while writing to it, and
// checks that each page's read transaction has ended before its records
// are yielded: a checkpoint run from inside the loop copies every frame of
// the log, which it cannot do while a reader holds an older snapshot.
func TestScanPages(t *testing.T) {
	s := mustOpen(t, tempPath(t), nil)
	ctx := t.Context()
	const n = 2*scanPageRows + 100
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%05d", i), Value: fmt.Appendf(nil, "v%d", i)}
	}
	if err := s.PutBatch(ctx, rs); err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	var prev []byte
	for r, err := range s.Scan(ctx, "b") {
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(r.Key)] {
			t.Fatalf("Scan yielded %q twice", r.Key)
		}
		if prev != nil && bytes.Compare(prev, r.Key) >= 0 {
			t.Errorf("Scan yielded %q after %q, out of key order", r.Key, prev)
		}
		prev = r.Key
		seen[string(r.Key)] = true
		if len(seen)%scanPageRows == 1 {
			// A write, then a checkpoint that must copy all of the log.
			if err := s.Put(ctx, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "new%d", len(seen)), Value: []byte("x")}); err != nil {
				t.Fatal(err)
			}
			var busy, logFrames, copied int
			if err := s.writer.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied); err != nil {
				t.Fatal(err)
			}
			if copied != logFrames {
				t.Errorf("after %d records, a checkpoint copied %d of %d log frames: Scan holds a read transaction while it yields", len(seen), copied, logFrames)
			}
		}
	}
	for i := range n {
		if !seen[fmt.Sprintf("k%05d", i)] {
			t.Errorf("Scan missed k%05d", i)
		}
	}
}

// TestScanLargeValues scans values whose total exceeds a page's byte bound.
func TestScanLargeValues(t *testing.T) {
	s := mustOpen(t, tempPath(t), nil)
	ctx := t.Context()
	const n = scanPageBytes/(1<<20) + 3
	for i := range n {
		v := bytes.Repeat([]byte{byte(i)}, 1<<20)
		if err := s.Put(ctx, store.Record{Bucket: "big", Key: []byte{byte(i)}, Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	for r, err := range s.Scan(ctx, "big") {
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Value) != 1<<20 || r.Value[0] != r.Key[0] {
			t.Errorf("Scan yielded key %x with a wrong value", r.Key)
		}
		got++
	}
	if got != n {
		t.Errorf("Scan yielded %d records, want %d", got, n)
	}
}

// TestScanCloseMidway closes the Store inside a Scan loop: the next page
// fails with ErrClosed rather than panicking or deadlocking.
func TestScanCloseMidway(t *testing.T) {
	s, err := Open(tempPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	rs := make([]store.Record, scanPageRows+1)
	for i := range rs {
		rs[i] = store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%05d", i)}
	}
	if err := s.PutBatch(ctx, rs); err != nil {
		t.Fatal(err)
	}
	n := 0
	var last error
	for _, err := range s.Scan(ctx, "b") {
		if err != nil {
			last = err
			continue
		}
		if n++; n == 1 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != scanPageRows || !errors.Is(last, store.ErrClosed) {
		t.Errorf("Scan closed after its first record yielded %d records then %v; want the rest of its page (%d) then ErrClosed", n, last, scanPageRows)
	}
}
