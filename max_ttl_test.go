package livedict_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// TestHugeTTL: a TTL past MaxTTL is refused; before, now+ttl overflowed
// and the entry expired at once.
func TestHugeTTL(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, int]{})
	defer s.Close()
	for _, ttl := range []time.Duration{math.MaxInt64, livedict.MaxTTL + 1} {
		if err := s.Set("k", 1, ttl); !errors.Is(err, livedict.ErrInvalidTTL) {
			t.Errorf("Set with TTL %v: %v, want ErrInvalidTTL", ttl, err)
		}
		if _, err := s.TouchContext(t.Context(), "k", ttl); !errors.Is(err, livedict.ErrInvalidTTL) && err != nil {
			t.Errorf("Touch with TTL %v: %v, want ErrInvalidTTL or a miss", ttl, err)
		}
	}
	if err := s.Set("k", 1, livedict.MaxTTL); err != nil {
		t.Fatal(err)
	}
	if left, ok := s.TTL("k"); !ok || left <= 0 || left > livedict.MaxTTL {
		t.Fatalf("TTL after Set with MaxTTL = %v, %v; want a live entry", left, ok)
	}
	if _, err := livedict.New(&livedict.Options[string, int]{DefaultTTL: math.MaxInt64}); !errors.Is(err, livedict.ErrInvalidOption) {
		t.Fatalf("New with DefaultTTL MaxInt64: %v, want ErrInvalidOption", err)
	}
	if _, err := livedict.New(&livedict.Options[string, int]{Buckets: map[string]livedict.BucketOptions{"b": {DefaultTTL: math.MaxInt64}}}); !errors.Is(err, livedict.ErrInvalidOption) {
		t.Fatalf("New with a bucket DefaultTTL MaxInt64: %v, want ErrInvalidOption", err)
	}
}

// TestFarExpiryLoads: a backend record expiring past MaxTTL (written by
// another program) still loads and warms.
func TestFarExpiryLoads(t *testing.T) {
	ctx := t.Context()
	data := new(store.MemoryData)
	opts := func() *livedict.Options[string, string] {
		return &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
			Backend: store.NewMemoryShared(data), Plaintext: true,
		}}
	}
	writer := mustNew(t, opts())
	if err := writer.Set("k", "v", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := writer.Close(); err != nil {
		t.Fatal(err)
	}
	raw := store.NewMemoryShared(data)
	var rec store.Record
	for r, err := range raw.Scan(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		rec = r
	}
	rec.ExpireAt = time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := raw.Put(ctx, rec); err != nil {
		t.Fatal(err)
	}
	s := mustNew(t, opts())
	defer s.Close()
	if v, err := s.Load(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("Load of a record expiring in 2999 = %q, %v; want v", v, err)
	}
	if left, ok := s.TTL("k"); !ok || left > livedict.MaxTTL || left < livedict.MaxTTL-time.Hour {
		t.Fatalf("TTL after Load = %v, %v; want about MaxTTL", left, ok)
	}
}
