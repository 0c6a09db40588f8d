package layer

import (
	"context"
	"fmt"
	"time"

	"github.com/livedict/livedict/store"
)

// This file holds the flusher goroutine of a WriteBehindStage and the
// bookkeeping of what it could not write.

// flushWaiter is a Flush waiting for every write numbered up to target.
type flushWaiter struct {
	target uint64
	done   chan struct{}
}

// outstanding reports whether a write numbered target or lower is still
// queued or being written; s.mu is held. Keys leave the queue in the order
// of their first number, so the head and the batch in flight tell.
func (s *WriteBehindStage) outstanding(target uint64) bool {
	return (s.head != nil && s.head.first <= target) ||
		(len(s.inflight) > 0 && s.inFirst <= target)
}

// dropWaiter forgets w; s.mu is held.
func (s *WriteBehindStage) dropWaiter(w *flushWaiter) {
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}

// readyWaiters removes and returns the waiters with nothing outstanding;
// s.mu is held.
func (s *WriteBehindStage) readyWaiters() []*flushWaiter {
	var ready []*flushWaiter
	kept := s.waiters[:0]
	for _, w := range s.waiters {
		if s.outstanding(w.target) {
			kept = append(kept, w)
		} else {
			ready = append(ready, w)
		}
	}
	clear(s.waiters[len(kept):])
	s.waiters = kept
	return ready
}

// run is the flusher goroutine: it writes batches until Close has been
// called and nothing is left.
func (s *WriteBehindStage) run() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		s.mu.Lock()
		batch, wait := s.take(time.Now())
		if batch == nil && s.head == nil && s.closed.Load() {
			ready := s.readyWaiters()
			s.mu.Unlock()
			for _, w := range ready {
				close(w.done)
			}
			return
		}
		s.mu.Unlock()
		switch {
		case batch != nil:
			s.write(batch)
		case wait > 0:
			timer.Reset(wait)
			select {
			case <-s.wake:
				timer.Stop()
			case <-timer.C:
			}
		default:
			<-s.wake
		}
	}
}

// take moves the next batch from the queue to the in-flight set and returns
// it, or returns how long to wait before the head is due (0: until woken);
// s.mu is held.
func (s *WriteBehindStage) take(now time.Time) ([]*wbEntry, time.Duration) {
	if s.head == nil {
		return nil, 0
	}
	urgent := s.closed.Load() || len(s.waiters) > 0 || s.blocked > 0 ||
		len(s.queued) >= s.o.BatchSize || s.held() >= s.o.QueueSize
	if !urgent {
		if d := s.head.at.Add(s.o.Interval).Sub(now); d > 0 {
			return nil, d
		}
	}
	n := min(len(s.queued), s.o.BatchSize)
	batch := make([]*wbEntry, 0, n)
	if s.inflight == nil {
		s.inflight = make(map[wbKey]*wbEntry, n)
	}
	s.inFirst = s.head.first
	for range n {
		e := s.head
		s.head, e.next = e.next, nil
		delete(s.queued, e.key)
		s.inflight[e.key] = e
		batch = append(batch, e)
	}
	if s.head == nil {
		s.tail = nil
	}
	return batch, 0
}

// write hands batch to the next stage, retrying what fails, then settles
// the outcome: counters, failures, room for blocked writers, and Flush
// calls waiting for it.
func (s *WriteBehindStage) write(batch []*wbEntry) {
	ctx := context.Background()
	left, err := s.attempt(ctx, batch)
	for try := 1; err != nil && try < s.o.Retry.Attempts; try++ {
		s.mu.Lock()
		s.stats.Retries++
		s.mu.Unlock()
		time.Sleep(s.backoff(try))
		left, err = s.attempt(ctx, left)
	}

	s.mu.Lock()
	s.stats.Batches++
	var failed map[*wbEntry]bool
	if len(left) > 0 {
		failed = make(map[*wbEntry]bool, len(left))
		for _, e := range left {
			failed[e] = true
			s.failures.add(e.key, e.first, e.seq, err, s.o.QueueSize)
		}
	}
	if len(s.failures.byKey) > 0 {
		for _, e := range batch {
			if !failed[e] {
				s.failures.stored(e.key, e.seq)
			}
		}
	}
	s.stats.Flushed += uint64(len(batch) - len(left))
	s.stats.Failed += uint64(len(left))
	clear(s.inflight)
	s.inFirst = 0
	if s.blocked > 0 {
		close(s.room)
		s.room = make(chan struct{})
	}
	ready := s.readyWaiters()
	s.mu.Unlock()

	// OnError hears of a loss before the Flush calls that will report it
	// return.
	if len(left) > 0 {
		s.reportFailed(err, left)
	}
	for _, w := range ready {
		close(w.done)
	}
}

// backoff returns the wait before retry number try (from 1).
func (s *WriteBehindStage) backoff(try int) time.Duration {
	d := s.o.Retry.Base
	for i := 1; i < try && d < s.o.Retry.Max; i++ {
		d *= 2
	}
	return min(d, s.o.Retry.Max)
}

// attempt writes es to the next stage once and returns those it did not
// store, with the first error met. Puts go first, in one PutBatch when the
// next stage has it; a Put or Delete that fails ends its part of the
// attempt, and what it did not reach is returned for the next attempt.
func (s *WriteBehindStage) attempt(ctx context.Context, es []*wbEntry) ([]*wbEntry, error) {
	var puts, dels []*wbEntry
	for _, e := range es {
		if e.del {
			dels = append(dels, e)
		} else {
			puts = append(puts, e)
		}
	}
	var left []*wbEntry
	var first error
	fail := func(rest []*wbEntry, err error) {
		left = append(left, rest...)
		if first == nil {
			first = err
		}
	}
	if bp, ok := s.next.(store.BatchPutter); ok && len(puts) > 0 {
		rs := make([]store.Record, len(puts))
		for i, e := range puts {
			rs[i] = e.rec
		}
		if err := bp.PutBatch(ctx, rs); err != nil {
			fail(puts, err)
		}
	} else {
		for i, e := range puts {
			if err := s.next.Put(ctx, e.rec); err != nil {
				fail(puts[i:], err)
				break
			}
		}
	}
	for i, e := range dels {
		if err := s.next.Delete(ctx, e.rec.Bucket, e.rec.Key); err != nil {
			fail(dels[i:], err)
			break
		}
	}
	return left, first
}

// reportFailed tells OnError about the records given up, puts and deletes
// in calls of their own.
func (s *WriteBehindStage) reportFailed(err error, es []*wbEntry) {
	var puts, dels []store.Record
	for _, e := range es {
		if e.del {
			dels = append(dels, e.rec)
		} else {
			puts = append(puts, e.rec)
		}
	}
	tries := s.o.Retry.Attempts
	if len(puts) > 0 {
		s.report(fmt.Errorf("layer: write-behind: put of %d records failed %d times: %w", len(puts), tries, err), puts)
	}
	if len(dels) > 0 {
		s.report(fmt.Errorf("layer: write-behind: delete of %d keys failed %d times: %w", len(dels), tries, err), dels)
	}
}

// report calls OnError, if set.
func (s *WriteBehindStage) report(err error, recs []store.Record) {
	if s.o.OnError != nil {
		s.o.OnError(err, recs)
	}
}

// wbFailure is a write of a key that was acknowledged and not stored.
type wbFailure struct {
	first uint64 // the smallest number among the lost writes of the key
	seq   uint64 // the latest lost write; a stored write numbered above clears it
	err   error
}

// wbFailures remembers the lost writes of each key until a newer write of
// the key is stored, so that Flush never reports them stored. Past a bound
// it stops telling keys apart and remembers only that writes were lost;
// that memory lasts until Close.
type wbFailures struct {
	byKey     map[wbKey]wbFailure
	untracked int    // lost writes past the bound
	untrFirst uint64 // the smallest number among them
	untrErr   error  // the first of their errors
}

// add records the loss of the writes of key numbered first to seq.
func (f *wbFailures) add(key wbKey, first, seq uint64, err error, bound int) {
	if old, ok := f.byKey[key]; ok {
		f.byKey[key] = wbFailure{first: min(first, old.first), seq: max(seq, old.seq), err: err}
		return
	}
	if len(f.byKey) >= bound {
		if f.untracked == 0 {
			f.untrFirst, f.untrErr = first, err
		}
		f.untracked++
		return
	}
	if f.byKey == nil {
		f.byKey = make(map[wbKey]wbFailure)
	}
	f.byKey[key] = wbFailure{first: first, seq: seq, err: err}
}

// stored notes that the write of key numbered seq was stored, which makes
// any older loss of that key moot.
func (f *wbFailures) stored(key wbKey, seq uint64) {
	if old, ok := f.byKey[key]; ok && old.seq < seq {
		delete(f.byKey, key)
	}
}

// err returns an error for the lost writes numbered target or lower, or
// nil if there are none. It wraps the error of the oldest.
func (f *wbFailures) err(target uint64) error {
	n := 0
	var oldest wbFailure
	for _, x := range f.byKey {
		if x.first > target {
			continue
		}
		if n == 0 || x.first < oldest.first {
			oldest = x
		}
		n++
	}
	if f.untracked > 0 && f.untrFirst <= target {
		if n == 0 || f.untrFirst < oldest.first {
			oldest = wbFailure{first: f.untrFirst, err: f.untrErr}
		}
		n += f.untracked
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d acknowledged writes were not stored: %w", n, oldest.err)
}
