package livedict

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// TestDropRewritesLeaveNoMark: a write given up after the key's previous
// write was given up too, by Set or by Touch, is only counted (logOp): the
// engine keeps no mark for it. After a write of the key that was queued,
// or a delete, the next one given up is marked again.
func TestDropRewritesLeaveNoMark(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		defer f.Release()
		s, err := New(&Options[int, int]{Persist: &Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 1, WhenFull: Drop, Timeout: time.Hour,
			FlushInterval: time.Hour, OnError: func(error) {}}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		eng := s.c.pst.eng
		step := func(what string, dropped uint64, marks int) {
			t.Helper()
			// Marks first: Stats folds them into the lost set.
			if got := eng.Marks(); got != marks {
				t.Fatalf("%s: %d marks, want %d", what, got, marks)
			}
			if got := s.Stats().PersistDropped; got != dropped {
				t.Fatalf("%s: %d dropped, want %d", what, got, dropped)
			}
		}
		_ = s.Set(0, 0, NoExpiry) // queued: the queue of one is full
		// The flusher takes it and hangs in the backend: from here on only
		// this goroutine folds marks (Stats).
		synctest.Wait()
		_ = s.Set(1, 1, NoExpiry)
		step("the first write of key 1 given up", 1, 1)
		_ = s.Set(1, 2, NoExpiry)
		_ = s.Set(1, 3, NoExpiry)
		s.Touch(1, time.Hour)
		step("three more, by Set and Touch", 4, 0)
		s.Delete(1)
		step("a delete given up", 5, 1)
		_ = s.Set(1, 4, NoExpiry) // no entry before it: marked
		step("a Set after the delete", 6, 1)
	})
}
