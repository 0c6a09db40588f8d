package livedict_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/livedict/livedict"
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
