package livedict_test

import (
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// TestBlockedSetWaitsAtMostBlockTimeout: with a hung backend and a full
// write-behind queue, a Set under the Block policy waits for room, but
// never past Persist.BlockTimeout; then it returns nil with the value in
// memory and its persistence dropped and counted. Virtual time makes the
// bound exact: the store is shown to wait (a Set took the whole
// BlockTimeout) and never to wait longer, whatever the machine's load.
// (store/redis's outage test shows the rest against a real server, and
// asserts no duration.)
func TestBlockedSetWaitsAtMostBlockTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			queue        = 64
			blockTimeout = 2 * time.Second
		)
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := mustNew(t, &livedict.Options[string, int]{
			Shards: 16,
			Persist: &livedict.Persist[string, int]{
				Backend: f, Plaintext: true, QueueSize: queue,
				BlockTimeout: blockTimeout, Timeout: time.Hour, OnError: func(error) {},
			},
		})
		defer func() {
			f.Release()
			_ = s.Close()
		}()
		var longest time.Duration
		// Distinct keys, so compaction cannot make room: the queue holds
		// about 2×queue writes, plus a shard's log and the flusher's batch.
		for i := range 8 * queue {
			start := time.Now()
			k := "k" + strconv.Itoa(i)
			if err := s.Set(k, i, livedict.NoExpiry); err != nil {
				t.Fatalf("Set %d: %v", i, err)
			}
			d := time.Since(start)
			if d > blockTimeout {
				t.Fatalf("Set %d waited %v, past BlockTimeout %v", i, d, blockTimeout)
			}
			longest = max(longest, d)
			if v, ok := s.Get(k); !ok || v != i {
				t.Fatalf("Set %d: the value is not in memory", i)
			}
		}
		if longest != blockTimeout {
			t.Errorf("the longest Set waited %v, want exactly BlockTimeout %v (the queue never filled?)", longest, blockTimeout)
		}
		if st := s.Stats(); st.PersistDropped == 0 {
			t.Errorf("no write was dropped from persistence: %+v", st)
		}
	})
}
