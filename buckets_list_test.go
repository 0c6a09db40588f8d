package livedict_test

import (
	"slices"
	"testing"

	"github.com/livedict/livedict"
)

func TestStoreBuckets(t *testing.T) {
	s := newStore(t, &livedict.Options[string, int]{
		Buckets: map[string]livedict.BucketOptions{"b": {}, "a": {}},
	})
	s.Bucket("z").Set("k", 1, livedict.NoExpiry)
	if _, err := s.DefineBucket("c", livedict.BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Bucket("a") // already there: listed once
	// Options.Buckets are created in name order at New, then the others
	// in the order they were made.
	want := []string{"", "a", "b", "z", "c"}
	if got := slices.Collect(s.Buckets()); !slices.Equal(got, want) {
		t.Errorf("Buckets() = %q, want %q", got, want)
	}
	s.Bucket("z").Clear()
	if got := slices.Collect(s.Buckets()); !slices.Equal(got, want) {
		t.Errorf("after Clear, Buckets() = %q, want %q (a bucket stays listed)", got, want)
	}
	for b := range s.Buckets() {
		if b != "" {
			t.Errorf("stopping after the first, got %q too", b)
		}
		break
	}
}
