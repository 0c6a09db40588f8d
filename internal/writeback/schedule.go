package writeback

import (
	"context"
	"time"
)

// run is the flusher goroutine: it drains FlushInterval after the first
// queued op, at once when a quarter of the bound is used or a writer waits
// for room, and after a failure again after a backoff (doubling, up to
// 32×RetryBackoff), during which writers compact the logs by themselves.
func (e *Engine[K, P]) run() {
	defer close(e.done)
	var timer *time.Timer
	var due <-chan time.Time
	backingOff := false
	arm := func(d time.Duration) {
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		due = timer.C
	}
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case <-e.stop:
			return
		case <-e.wake:
			if due == nil {
				arm(e.cfg.FlushInterval)
			}
			continue
		case <-e.urgent:
			if backingOff {
				continue
			}
		case <-due:
		}
		due = nil
		e.sem <- struct{}{}
		err := e.drain(context.Background(), nil)
		fails := e.fails
		e.release()
		backingOff = err != nil
		switch {
		case err != nil:
			arm(e.cfg.RetryBackoff << min(max(fails-1, 0), 5))
		case e.held.Load() > 0 || e.hasClears():
			arm(e.cfg.FlushInterval)
		}
	}
}

func (e *Engine[K, P]) hasClears() bool {
	e.cmu.Lock()
	defer e.cmu.Unlock()
	return len(e.clears) > 0
}
