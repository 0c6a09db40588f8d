package livedict_test

import (
	"context"
	"errors"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// TestClearAllCoversListedBuckets: ClearAll on a fresh store removes the
// records of buckets it was never told about but the backend lists.
func TestClearAllCoversListedBuckets(t *testing.T) {
	ctx := context.Background()
	data := new(store.MemoryData)
	open := func() *livedict.Store[string, int] {
		return mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
			Backend: store.NewMemoryShared(data), Plaintext: true, Mode: livedict.WriteBehind,
		}})
	}
	first := open()
	for _, b := range []string{"", "orders", "carts"} {
		if err := first.Bucket(b).Set("k", 1, livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := open() // knows no bucket but the default
	if err := second.ClearAllContext(ctx); err != nil {
		t.Fatalf("ClearAllContext: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}

	third := open()
	defer third.Close()
	for _, b := range []string{"", "orders", "carts"} {
		if _, err := third.Bucket(b).Load(ctx, "k"); !errors.Is(err, livedict.ErrNotFound) {
			t.Errorf("bucket %q: Load after ClearAll = %v, want ErrNotFound", b, err)
		}
	}
	for r, err := range store.NewMemoryShared(data).Scan(ctx, "orders") {
		t.Fatalf("the backend still holds %q (err %v) after ClearAll", r.Key, err)
	}
}
