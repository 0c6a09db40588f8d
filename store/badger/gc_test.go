package badger

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/livedict/livedict/store"
)

// TestGCRunnerSchedule checks, on a fake clock, that GC runs every interval
// and, within a round, repeats until Badger has nothing left to rewrite.
func TestGCRunnerSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		// Each round: two files rewritten, then ErrNoRewrite.
		run := func() error {
			if calls.Add(1)%3 == 0 {
				return bdg.ErrNoRewrite
			}
			return nil
		}
		var rounds atomic.Int32
		g := startGC(time.Minute, run, slogAdapter{slog.New(slog.DiscardHandler)}, func() { rounds.Add(1) })
		defer g.stop()

		time.Sleep(time.Minute - time.Nanosecond) // fake time: just before the first tick
		synctest.Wait()
		if n := calls.Load(); n != 0 {
			t.Fatalf("GC ran %d times before the first interval ended", n)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if n, r := calls.Load(), rounds.Load(); n != 3 || r != 1 {
			t.Fatalf("after one interval: %d GC calls in %d rounds, want 3 in 1", n, r)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if n, r := calls.Load(), rounds.Load(); n != 9 || r != 3 {
			t.Fatalf("after three intervals: %d GC calls in %d rounds, want 9 in 3", n, r)
		}
	})
}

// TestGCRunnerLogsFailures checks that a GC failure is logged at warning
// level and ends the round, while "nothing to do" answers are not logged.
func TestGCRunnerLogsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		log := slogAdapter{slog.New(slog.NewTextHandler(&buf, nil))}
		answers := []error{bdg.ErrRejected, errors.New("disk on fire"), bdg.ErrNoRewrite}
		var calls atomic.Int32
		run := func() error { return answers[int(calls.Add(1)-1)%len(answers)] }
		g := startGC(time.Second, run, log, nil)
		time.Sleep(3 * time.Second)
		synctest.Wait()
		g.stop()
		if n := calls.Load(); n != 3 {
			t.Errorf("GC ran %d times in 3 rounds that each ended on an error, want 3", n)
		}
		out := buf.String()
		if strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "disk on fire") {
			t.Errorf("log = %q, want one warning, about the disk", out)
		}
	})
}

// TestGCRunnerStopsMidRound checks that stop ends a round that would
// otherwise go on rewriting files.
func TestGCRunnerStopsMidRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		release := make(chan struct{})
		var calls atomic.Int32
		run := func() error {
			if calls.Add(1) == 1 {
				close(started)
				<-release
			}
			return nil // always more to rewrite
		}
		g := startGC(time.Second, run, slogAdapter{slog.New(slog.DiscardHandler)}, nil)
		time.Sleep(time.Second)
		<-started
		stopped := make(chan struct{})
		go func() { g.stop(); close(stopped) }()
		synctest.Wait() // stop has closed quit and waits for the round
		close(release)
		<-stopped
		if n := calls.Load(); n != 1 {
			t.Errorf("GC ran %d times after stop, want the round to end after the call in progress", n-1)
		}
	})
}

// TestStoreRunsGC runs the real goroutine against Badger with a short
// interval, waits for two rounds through the hook, and closes the store;
// TestMain's goleak check proves the goroutine ended.
func TestStoreRunsGC(t *testing.T) {
	rounds := make(chan struct{}, 16)
	s, err := open(t.TempDir(), &Options{ValueLogGCInterval: time.Millisecond}, func() {
		select {
		case rounds <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	<-rounds
	<-rounds
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.runGC(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("runGC after Close = %v, want an error matching store.ErrClosed", err)
	}
}

func TestGCDisabled(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		wantGC   bool
	}{{0, true}, {time.Hour, true}, {-1, false}} {
		s, err := Open(t.TempDir(), &Options{ValueLogGCInterval: c.interval})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.gc != nil; got != c.wantGC {
			t.Errorf("ValueLogGCInterval %v: GC goroutine started = %v, want %v", c.interval, got, c.wantGC)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
