package livedict_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// TestFullErrorNamesTheLimit: a refused write says which bucket and which
// limit refused it, and still matches ErrFull.
func TestFullErrorNamesTheLimit(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, int]{
		MaxKeys: 3,
		Buckets: map[string]livedict.BucketOptions{"sessions": {MaxKeys: 1}},
	})
	defer s.Close()
	sessions := s.Bucket("sessions")
	if err := sessions.Set("a", 1, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	err := sessions.Set("b", 2, livedict.NoExpiry)
	var fe *livedict.FullError
	if !errors.Is(err, livedict.ErrFull) || !errors.As(err, &fe) {
		t.Fatalf("bucket limit: err = %v, want a *FullError matching ErrFull", err)
	}
	if fe.Bucket != "sessions" || fe.Limit != 1 || fe.Store || !strings.Contains(err.Error(), `bucket "sessions"`) || !strings.Contains(err.Error(), "1 keys") {
		t.Fatalf("bucket limit: %+v %q, want bucket sessions, limit 1", fe, err)
	}
	for _, k := range []string{"x", "y"} {
		if err := s.Set(k, 1, livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	err = s.Set("z", 1, livedict.NoExpiry)
	if !errors.As(err, &fe) || !fe.Store || fe.Limit != 3 || !strings.Contains(err.Error(), "MaxKeys is 3") {
		t.Fatalf("store limit: err = %v (%+v), want the store's MaxKeys of 3", err, fe)
	}
}

// TestLoadMissNamesTheBucket: a Load miss says which bucket missed, and
// never the key.
func TestLoadMissNamesTheBucket(t *testing.T) {
	s := mustNew(t, persisted[string, int](t, store.NewMemory(), livedict.WriteBehind))
	defer s.Close()
	_, err := s.Bucket("carts").Load(t.Context(), "secret-key-42")
	if !errors.Is(err, livedict.ErrNotFound) || !strings.Contains(err.Error(), `"carts"`) || strings.Contains(err.Error(), "secret-key-42") {
		t.Fatalf("Load miss: %v, want ErrNotFound naming bucket carts and not the key", err)
	}
}
