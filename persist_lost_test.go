package livedict_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// lostKeys returns what Flush reports lost per bucket, nil for no error.
func lostKeys(t *testing.T, s *livedict.Store[int, int]) map[string]int {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		return lostOf(t, err).Buckets
	}
	return nil
}

// TestDropRewrites: under Drop, with the queue full, every write given up
// is counted, and a key counts as lost once however many of its writes in
// a row were given up (a write given up after another of its key is only
// counted: see logOp). A write of the key stored since clears it, and a
// write given up after that, by Set or in place by Touch, counts again:
// the entry's record of a given-up write does not outlive a write queued
// after it.
func TestDropRewrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		s := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 1, WhenFull: livedict.Drop, Timeout: time.Hour,
			FlushInterval: time.Hour, OnError: func(error) {}}})
		defer s.Close()
		set := func(k, v int) {
			t.Helper()
			if err := s.Set(k, v, livedict.NoExpiry); err != nil {
				t.Fatal(err)
			}
		}
		counts := func(step string, dropped uint64, lost int) {
			t.Helper()
			if st := s.Stats(); st.PersistDropped != dropped || st.PersistLost != lost {
				t.Fatalf("%s: %d dropped, %d keys lost; want %d and %d", step, st.PersistDropped, st.PersistLost, dropped, lost)
			}
		}

		f.Hang()
		set(0, 0) // queued: it fills the queue of one, and the backend holds it
		set(1, 1)
		set(1, 2)
		set(1, 3)
		counts("three writes of key 1 given up", 3, 1)
		set(2, 1)
		counts("and one of key 2", 4, 2)
		s.Touch(1, time.Hour) // in place, given up after key 1's Sets
		counts("and key 1 touched", 5, 2)
		s.Delete(2)
		counts("and key 2 deleted", 6, 2)
		f.Release()
		if got := lostKeys(t, s); len(got) != 1 || got[""] != 2 {
			t.Fatalf("lost per bucket %v, want 2 keys of the default bucket", got)
		}

		// A write queued and stored clears a key, in place too (one at a
		// time: the queue holds one write).
		set(2, 5)
		if got := lostKeys(t, s); got[""] != 1 {
			t.Fatalf("lost per bucket %v after key 2 was stored, want key 1", got)
		}
		s.Touch(1, 2*time.Hour)
		if got := lostKeys(t, s); got != nil {
			t.Fatalf("lost %v after both keys were written and stored", got)
		}

		// Given up again after that: counted again, by Set and by Touch.
		f.Hang()
		set(0, 1) // fills the queue again
		set(2, 6)
		s.Touch(1, 3*time.Hour)
		counts("keys 1 and 2 given up after being stored", 8, 2)
		f.Release()
		if got := lostKeys(t, s); got[""] != 2 {
			t.Fatalf("lost per bucket %v, want keys 1 and 2", got)
		}
		if v, ok := s.Get(2); !ok || v != 6 {
			t.Fatalf("Get(2) = %d, %v; memory keeps the write it gave up", v, ok)
		}
	})
}
