package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func listBuckets(t *testing.T, l store.BucketLister) []string {
	t.Helper()
	var out []string
	for b, err := range l.Buckets(t.Context()) {
		if err != nil {
			t.Fatalf("Buckets yielded %v", err)
		}
		out = append(out, b)
	}
	return out
}

// TestBuckets: Buckets yields each bucket holding an unexpired record once,
// whatever its name, over several pages, and leaves out buckets whose
// records have all expired.
func TestBuckets(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	ctx := t.Context()
	var want []string
	var rs []store.Record
	for _, b := range []string{"", "a", "a\x00", "ab", "\xff\xfe", "nul\x00byte"} {
		want = append(want, b)
		for k := range 3 {
			rs = append(rs, store.Record{Bucket: b, Key: fmt.Appendf(nil, "k%d", k), Value: []byte("v")})
		}
	}
	for i := range 2*bucketPageNames + 3 {
		b := fmt.Sprintf("page-%04d", i)
		want = append(want, b)
		rs = append(rs, store.Record{Bucket: b, Key: []byte("k"), Value: []byte("v")})
	}
	past := time.Now().Add(-time.Second)
	rs = append(rs,
		store.Record{Bucket: "all-expired", Key: []byte("k1"), Value: []byte("v"), ExpireAt: past},
		store.Record{Bucket: "all-expired", Key: []byte("k2"), Value: []byte("v"), ExpireAt: past},
		store.Record{Bucket: "one-live", Key: []byte("k1"), Value: []byte("v"), ExpireAt: past},
		store.Record{Bucket: "one-live", Key: []byte("k2"), Value: []byte("v"), ExpireAt: time.Now().Add(time.Hour)})
	want = append(want, "one-live")
	if err := s.PutBatch(ctx, rs); err != nil {
		t.Fatal(err)
	}
	got := listBuckets(t, s)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Buckets yielded %d names, want %d:\n got %q\nwant %q", len(got), len(want), got, want)
	}

	// A caller may stop early.
	n := 0
	for range s.Buckets(ctx) {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("stopping after 2 names: ranged over %d", n)
	}

}

func TestBucketsEmptyCancelledClosed(t *testing.T) {
	s, err := Open(context.Background(), testDSN(), &Options{Schema: newSchema(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := listBuckets(t, s); len(got) != 0 {
		t.Errorf("Buckets of an empty table = %q", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for b, err := range s.Buckets(ctx) {
		if b != "" || !errors.Is(err, context.Canceled) {
			t.Errorf("Buckets with a cancelled context yielded %q, %v", b, err)
		}
	}
	_ = s.Close()
	for b, err := range s.Buckets(t.Context()) {
		if b != "" || !errors.Is(err, store.ErrClosed) {
			t.Errorf("Buckets after Close yielded %q, %v", b, err)
		}
	}
}
