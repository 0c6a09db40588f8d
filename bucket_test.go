package livedict

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestSegOf: ids map to distinct slots of segments that double in size,
// and the last id fits.
func TestSegOf(t *testing.T) {
	seen := map[[2]int]bool{}
	for id := uint32(0); id < 10*segBase; id++ {
		seg, off := segOf(id)
		if off < 0 || off >= segBase<<seg {
			t.Fatalf("segOf(%d) = %d, %d: offset outside the segment", id, seg, off)
		}
		if seen[[2]int{seg, off}] {
			t.Fatalf("segOf(%d) = %d, %d twice", id, seg, off)
		}
		seen[[2]int{seg, off}] = true
	}
	if seg, _ := segOf(MaxBuckets); seg >= segCount {
		t.Fatalf("segOf(MaxBuckets) = segment %d, past the %d segments", seg, segCount)
	}
}

// TestTooManyBuckets: past the limit Bucket returns a view that holds
// nothing and whose writes fail with ErrTooManyBuckets, DefineBucket
// returns the error, and dropping a bucket makes room again.
func TestTooManyBuckets(t *testing.T) {
	s, err := New[string, int](nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.c.buckets.max = 4 // the default bucket and three more
	for i := range 3 {
		if err := s.Bucket(fmt.Sprint(i)).Set("k", i, NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	over := s.Bucket("over")
	if err := over.Set("k", 1, NoExpiry); !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("Set past the limit = %v, want ErrTooManyBuckets", err)
	}
	if _, ok := over.Get("k"); ok || over.Len() != 0 {
		t.Errorf("the overflow view holds something")
	}
	if _, err := s.DefineBucket("over", BucketOptions{}); !errors.Is(err, ErrTooManyBuckets) {
		t.Errorf("DefineBucket past the limit = %v, want ErrTooManyBuckets", err)
	}
	if err := s.DropBucket(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	again := s.Bucket("over")
	if err := again.Set("k", 7, NoExpiry); err != nil {
		t.Fatalf("Set after a drop made room = %v", err)
	}
	if again.b.id != 2 {
		t.Errorf("the new bucket got id %d, want the freed id 2", again.b.id)
	}
	if v, ok := again.Get("k"); !ok || v != 7 || again.Len() != 1 {
		t.Errorf("the bucket on a reused id reads %d, %v, Len %d", v, ok, again.Len())
	}
	if v, ok := s.Bucket("0").Get("k"); !ok || v != 0 {
		t.Errorf("another bucket lost its value")
	}
	if s.LenAll() != 3 || s.Len() != 0 {
		t.Errorf("Len = %d, default bucket %d; want 3, 0", s.LenAll(), s.Len())
	}
}

// TestDropBucketMemory: dropping removes the entries (OnDelete sees
// them), stale views fail writes, a new bucket of the name is empty, and
// the default bucket cannot be dropped.
func TestDropBucketMemory(t *testing.T) {
	var deleted int
	s, err := New(&Options[string, int]{OnDelete: func(e Event[string, int]) { deleted++ }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old := s.Bucket("b")
	for i := range 100 {
		if err := old.Set(fmt.Sprint(i), i, NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DropBucket(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	if deleted != 100 || s.LenAll() != 0 {
		t.Errorf("after DropBucket: %d OnDelete calls, LenAll %d; want 100, 0", deleted, s.LenAll())
	}
	if err := old.Set("x", 1, NoExpiry); !errors.Is(err, ErrBucketDropped) {
		t.Errorf("Set through a stale view = %v, want ErrBucketDropped", err)
	}
	if _, ok := old.Get("1"); ok {
		t.Errorf("a stale view still reads a dropped entry")
	}
	fresh := s.Bucket("b")
	if fresh.Len() != 0 {
		t.Errorf("the new bucket b holds %d entries", fresh.Len())
	}
	if err := s.DropBucket(context.Background(), ""); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("DropBucket of the default bucket = %v, want ErrInvalidOption", err)
	}
}

// BenchmarkCreateBuckets creates 10^5 new buckets per op: the cost per
// bucket stays flat as the registry grows.
func BenchmarkCreateBuckets(b *testing.B) {
	const n = 100_000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint("bucket-", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := New[string, int](nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range names {
			s.Bucket(name)
		}
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/bucket")
}

// TestWarmPastMaxBuckets: when the backend lists more buckets than the
// store may hold, Warm loads those that fit and returns ErrTooManyBuckets,
// never nil.
func TestWarmPastMaxBuckets(t *testing.T) {
	ctx := context.Background()
	data := new(store.MemoryData)
	opts := func() *Options[string, int] {
		return &Options[string, int]{Persist: &Persist[string, int]{Backend: store.NewMemoryShared(data), Plaintext: true}}
	}
	s, err := New(opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"a", "b", "c"} {
		if err := s.Bucket(b).Set("k", 1, NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = New(opts())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.c.buckets.max = 3 // the default bucket and two more
	n, err := s.WarmAll(ctx)
	if n != 2 || !errors.Is(err, ErrTooManyBuckets) {
		t.Fatalf("Warm = %d, %v; want 2 and ErrTooManyBuckets", n, err)
	}
}
