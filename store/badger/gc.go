package badger

import (
	"context"
	"errors"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/livedict/livedict/store"
)

// gcRunner is the goroutine that runs value log GC every interval until
// stopped.
type gcRunner struct {
	quit chan struct{}
	done chan struct{}
	// passed, when not nil (in tests), is called after each round of GC.
	passed func()
}

// startGC starts a goroutine that, every interval, calls run until it
// returns an error (run returns bdg.ErrNoRewrite once nothing is left to
// rewrite), logging errors other than those that only mean "nothing to do".
func startGC(interval time.Duration, run func() error, log slogAdapter, passed func()) *gcRunner {
	g := &gcRunner{quit: make(chan struct{}), done: make(chan struct{}), passed: passed}
	go g.loop(interval, run, log)
	return g
}

func (g *gcRunner) loop(interval time.Duration, run func() error, log slogAdapter) {
	defer close(g.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-g.quit:
			return
		case <-t.C:
		}
		g.round(run, log)
		if g.passed != nil {
			g.passed()
		}
	}
}

// round rewrites value log files until none qualifies, checking for stop
// between files, since each rewrite can take a while.
func (g *gcRunner) round(run func() error, log slogAdapter) {
	for {
		select {
		case <-g.quit:
			return
		default:
		}
		err := run()
		switch {
		case err == nil:
			continue
		case errors.Is(err, bdg.ErrNoRewrite), errors.Is(err, bdg.ErrRejected), errors.Is(err, store.ErrClosed):
		default:
			log.Warningf("badger: value log GC: %v", err)
		}
		return
	}
}

// stop ends the goroutine and waits for it.
func (g *gcRunner) stop() {
	close(g.quit)
	<-g.done
}

// runGC runs one step of Badger's value log GC while the store is open.
func (s *Store) runGC() error {
	if err := s.gate.Enter(context.Background()); err != nil {
		return err
	}
	defer s.gate.Leave()
	return s.db.RunValueLogGC(GCDiscardRatio)
}
