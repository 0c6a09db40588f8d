package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/livedict/livedict/store"
)

func init() {
	cases = append(cases, testCase{
		"Buckets",
		"Buckets lists each bucket holding a record exactly once (hostile names included), not a bucket emptied by Delete, sees the data after a reopen, stops when the caller stops, and fails with store.ErrClosed after Close",
		bucketsCase,
	})
}

// listBuckets collects what Buckets yields, failing on an error.
func (t *caseT) listBuckets(l store.BucketLister) []string {
	t.Helper()
	var got []string
	for b, err := range l.Buckets(t.Context()) {
		if err != nil {
			t.Fatalf("Buckets yielded error %v", err)
		}
		got = append(got, b)
	}
	return got
}

func bucketsCase(t *caseT, h Harness) {
	s := t.open(h)
	l, ok := s.(store.BucketLister)
	if !ok {
		t.Skip("the backend does not implement store.BucketLister")
	}
	for _, err := range l.Buckets(t.Context()) {
		if errors.Is(err, errors.ErrUnsupported) {
			// A wrapper whose wrapped stage cannot list (store/faulty).
			t.Skip("Buckets yields errors.ErrUnsupported: the stage cannot list its buckets")
		}
		break
	}
	if got := t.listBuckets(l); len(got) != 0 {
		t.Errorf("Buckets of an empty backend yielded %q, want nothing", got)
	}
	want := []string{"", "a", "ab", "a:", "nul\x00byte", "\xff\xfe", "*", "a/b", strings.Repeat("b", 300)}
	for i, b := range want {
		for k := range 3 {
			t.put(s, store.Record{Bucket: b, Key: fmt.Appendf(nil, "k%d", k), Value: []byte(fmt.Sprint(i))})
		}
	}
	// A bucket whose only record is deleted holds nothing.
	t.put(s, store.Record{Bucket: "gone", Key: []byte("k"), Value: []byte("v")})
	if err := s.Delete(t.Context(), "gone", []byte("k")); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	// A bucket with a live record and an expired one is listed.
	t.put(s, store.Record{Bucket: "mixed", Key: []byte("old"), Value: []byte("v"), ExpireAt: time.Now().Add(-time.Minute)})
	t.put(s, store.Record{Bucket: "mixed", Key: []byte("new"), Value: []byte("v")})
	want = append(want, "mixed")
	slices.Sort(want)

	check := func(when string, l store.BucketLister) {
		got := t.listBuckets(l)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("Buckets %s yielded %q, want %q", when, got, want)
		}
	}
	check("after Puts", l)

	n := 0
	for _, err := range l.Buckets(t.Context()) {
		if err != nil {
			t.Fatalf("Buckets yielded error %v", err)
		}
		n++
		break
	}
	if n != 1 {
		t.Errorf("Buckets went on after the caller stopped")
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	var closedErr error
	for _, err := range l.Buckets(t.Context()) {
		closedErr = err
		break
	}
	if !errors.Is(closedErr, store.ErrClosed) {
		t.Errorf("Buckets after Close yielded %v, want an error matching store.ErrClosed", closedErr)
	}

	s = t.open(h)
	l, ok = s.(store.BucketLister)
	if !ok {
		t.Fatalf("the reopened backend does not implement store.BucketLister")
	}
	check("after a reopen", l)
}
