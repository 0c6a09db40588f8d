package livedict_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/livedict/livedict"
)

// TestSetManyManyFailuresInOrder: a SetMany of many new keys into a full
// Reject store fails for all but the few that fit, on every shard, and
// reports the failures once each in index order.
func TestSetManyManyFailuresInOrder(t *testing.T) {
	const capacity, n = 16, 50_000
	s, err := livedict.New[int, int](&livedict.Options[int, int]{MaxKeys: capacity, Policy: livedict.Reject})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys := make([]int, n)
	vals := make([]int, n)
	for i := range keys {
		keys[i], vals[i] = i, i
	}
	err = s.SetMany(keys, vals, livedict.NoExpiry)
	var be *livedict.BulkError
	if !errors.As(err, &be) {
		t.Fatalf("SetMany = %v, want a *BulkError", err)
	}
	if got, want := len(be.Failed), n-s.Len(); got != want {
		t.Fatalf("%d failures, want %d (n - Len)", got, want)
	}
	if !slices.IsSortedFunc(be.Failed, func(a, b livedict.BulkFailure) int { return a.Index - b.Index }) {
		t.Fatal("failures not in index order")
	}
	for i := 1; i < len(be.Failed); i++ {
		if be.Failed[i].Index == be.Failed[i-1].Index {
			t.Fatalf("index %d reported twice", be.Failed[i].Index)
		}
	}
	for _, f := range be.Failed {
		if !errors.Is(f.Err, livedict.ErrFull) {
			t.Fatalf("failure %d: %v, want ErrFull", f.Index, f.Err)
		}
	}
}
