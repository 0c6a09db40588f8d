package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/livedict/livedict/store"
)

// TestPutBatchLastWins: a key given several times in one batch, within a
// statement and across statements, ends with its last record, as Puts in
// order would leave it, and the caller's slice is left as it was.
func TestPutBatchLastWins(t *testing.T) {
	for _, chunkRows := range []int{defaultChunkRows, 2} {
		t.Run(fmt.Sprint(chunkRows), func(t *testing.T) {
			s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t)})
			s.chunkRows = chunkRows
			ctx := t.Context()
			rs := []store.Record{
				{Bucket: "b", Key: []byte("x"), Value: []byte("1")},
				{Bucket: "b", Key: []byte("y"), Value: []byte("1")},
				{Bucket: "c", Key: []byte("x"), Value: []byte("other bucket")},
				{Bucket: "b", Key: []byte("x"), Value: []byte("2")},
				{Bucket: "b", Key: nil, Value: []byte("empty key")},
				{Bucket: "b", Key: []byte("x"), Value: []byte("3")},
				{Bucket: "b", Key: []byte{}, Value: nil},
			}
			orig := make([]store.Record, len(rs))
			copy(orig, rs)
			if err := s.PutBatch(ctx, rs); err != nil {
				t.Fatal(err)
			}
			for i := range rs {
				if rs[i].Bucket != orig[i].Bucket || !bytes.Equal(rs[i].Key, orig[i].Key) || !bytes.Equal(rs[i].Value, orig[i].Value) {
					t.Fatalf("PutBatch reordered or changed the caller's slice at %d", i)
				}
			}
			for _, w := range []struct{ bucket, key, value string }{
				{"b", "x", "3"}, {"b", "y", "1"}, {"c", "x", "other bucket"}, {"b", "", ""},
			} {
				r, err := s.Get(ctx, w.bucket, []byte(w.key))
				if err != nil || string(r.Value) != w.value {
					t.Errorf("Get(%q, %q) = %q, %v; want %q", w.bucket, w.key, r.Value, err, w.value)
				}
			}
			if n := countRows(t, s); n != 4 {
				t.Errorf("rows = %d, want 4", n)
			}
		})
	}
}

// TestPutBatchChunks: statements hold at most chunkRows records and
// chunkBytes bytes, a larger record goes alone, and every record is
// stored.
func TestPutBatchChunks(t *testing.T) {
	s := &Store{chunkRows: 3, chunkBytes: 100}
	var rs []store.Record
	for i, size := range []int{10, 10, 10, 10, 90, 10, 500, 10} {
		rs = append(rs, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "%d", i), Value: make([]byte, size)})
	}
	var sizes []int
	for _, c := range s.chunks(rs) {
		sizes = append(sizes, len(c.keys))
	}
	if fmt.Sprint(sizes) != "[3 1 1 1 1 1]" {
		t.Errorf("chunk sizes = %v, want [3 1 1 1 1 1]", sizes)
	}

	db := mustOpen(t, testDSN(), &Options{Schema: newSchema(t)})
	db.chunkRows, db.chunkBytes = 3, 1000
	for i := range 50 {
		rs = append(rs, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "more%d", i), Value: make([]byte, 20*i)})
	}
	if err := db.PutBatch(t.Context(), rs); err != nil {
		t.Fatal(err)
	}
	if got := len(scanAll(t, db, "b")); got != len(rs) {
		t.Errorf("records stored = %d, want %d", got, len(rs))
	}
}

// TestPutBatchAtomic: a PutBatch that fails between its statements stores
// none of its records.
func TestPutBatchAtomic(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t)})
	s.chunkRows = 4
	ctx, cancel := context.WithCancel(t.Context())
	s.midBatch = func(context.Context, *pgx.Conn) { cancel() }
	var rs []store.Record
	for i := range 20 {
		rs = append(rs, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "%02d", i), Value: []byte("v")})
	}
	if err := s.PutBatch(ctx, rs); !errors.Is(err, context.Canceled) {
		t.Fatalf("PutBatch cancelled after its first statement = %v, want context.Canceled", err)
	}
	if n := countRows(t, s); n != 0 {
		t.Errorf("a failed PutBatch stored %d records, want none", n)
	}
	if s.retries.Load() != 0 {
		t.Errorf("a cancelled PutBatch was run again")
	}
}
