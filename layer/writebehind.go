package layer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/store"
)

// ErrQueueFull is matched by the error a [WriteBehind] stage's Put, PutBatch
// or Delete returns when the queue has no room for a new key and the
// [Block] policy gave up waiting, and by the error reported for a write the
// [Drop] policy discarded.
var ErrQueueFull = errors.New("layer: write-behind queue full")

// FullPolicy says what a [WriteBehind] stage does with a write for a new key
// when its queue is full.
type FullPolicy uint8

const (
	// Block makes the write wait for room until BlockTimeout passes or its
	// context ends, then fail with an error matching [ErrQueueFull]. It is
	// the default: the caller learns that the write was not accepted.
	Block FullPolicy = iota
	// Drop acknowledges the write at once and discards it. The loss is
	// counted in [WriteBehindStats].Dropped, reported to OnError with an
	// error matching [ErrQueueFull], and makes every later Flush that
	// covers it fail until the key is written again.
	Drop
)

// RetryOptions configures how a [WriteBehind] stage retries a batch the
// next stage did not store. The zero value is ready to use.
type RetryOptions struct {
	// Attempts is how many times a batch is tried in all, the first try
	// included. Zero means 3; a negative value means 1 (no retry).
	Attempts int
	// Base is the wait before the first retry; each later retry waits twice
	// as long as the one before, up to Max. Zero means 50ms.
	Base time.Duration
	// Max bounds the wait between two tries. Zero means 1s.
	Max time.Duration
}

// WriteBehindOptions configures [WriteBehind]. The zero value is ready to
// use; each field says its default.
type WriteBehindOptions struct {
	// QueueSize bounds the distinct keys waiting to be written. A write for
	// a key that is already waiting, or that is in the batch being written,
	// replaces the waiting write and needs no room, so the stage holds at
	// most QueueSize+BatchSize records. Zero or less means 4096.
	QueueSize int
	// BatchSize bounds the records the flusher hands to the next stage in
	// one write. Zero or less means 256.
	BatchSize int
	// Interval is how long a write may wait before the flusher writes it.
	// The flusher also starts a batch at once when BatchSize records are
	// waiting, when the queue is full, and while a Flush or Close waits.
	// Zero means 100ms; a negative Interval writes as soon as the flusher
	// is free.
	Interval time.Duration
	// WhenFull says what a write for a new key does when the queue is full:
	// [Block] (the default) or [Drop].
	WhenFull FullPolicy
	// BlockTimeout bounds how long a write waits for room under [Block].
	// Zero means 1s; a negative value waits until the write's context ends.
	BlockTimeout time.Duration
	// Retry says how often and how patiently a failed batch is tried again.
	Retry RetryOptions
	// OnError, if set, is told about every write that was acknowledged and
	// then not stored: a batch that failed on every attempt (called on the
	// flusher goroutine, once for its puts and once for its deletes, whose
	// records have a nil Value) and a write the [Drop] policy discarded
	// (called on the writer's goroutine before Put returns). The records
	// belong to OnError. It runs outside every lock and may read from the
	// stage, but must not call Flush or Close, which wait for the flusher.
	OnError func(err error, recs []store.Record)
}

// WriteBehindStats are the counters of a [WriteBehindStage].
type WriteBehindStats struct {
	// Pending is how many writes were acknowledged and are neither stored
	// nor given up yet: the keys waiting plus the batch being written.
	Pending int
	// Flushed counts records (puts and deletes) the next stage stored.
	Flushed uint64
	// Batches counts the batches the flusher handed to the next stage,
	// whatever their outcome; retries are not counted again.
	Batches uint64
	// Failed counts records given up after every attempt failed.
	Failed uint64
	// Dropped counts writes discarded by the [Drop] policy.
	Dropped uint64
	// Retries counts the extra attempts made for failed batches.
	Retries uint64
}

// WriteBehind returns a Layer that acknowledges writes as soon as they are
// queued in memory and writes them to the next stage in batches, from a
// background goroutine. Each Stage it builds is a [*WriteBehindStage]: type
// assert the Stage to reach its Flush and Stats. Applying the Layer starts
// that Stage's flusher goroutine; Close stops it.
//
// See [WriteBehindStage] for what reads see, when writes become durable and
// what happens when the next stage fails.
func WriteBehind(opts WriteBehindOptions) Layer {
	o := opts.withDefaults()
	return func(next store.Stage) store.Stage {
		return newWriteBehind(next, o)
	}
}

// withDefaults resolves the zero and negative values the fields document.
func (o WriteBehindOptions) withDefaults() WriteBehindOptions {
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	switch {
	case o.Interval == 0:
		o.Interval = 100 * time.Millisecond
	case o.Interval < 0:
		o.Interval = 0
	}
	if o.BlockTimeout == 0 {
		o.BlockTimeout = time.Second
	}
	switch {
	case o.Retry.Attempts == 0:
		o.Retry.Attempts = 3
	case o.Retry.Attempts < 0:
		o.Retry.Attempts = 1
	}
	if o.Retry.Base <= 0 {
		o.Retry.Base = 50 * time.Millisecond
	}
	if o.Retry.Max <= 0 {
		o.Retry.Max = time.Second
	}
	return o
}

// WriteBehindStage is the Stage a [WriteBehind] layer builds. It implements
// [store.Flusher], [store.BatchPutter], [store.Pinger] and [store.NativeTTL],
// and is safe for concurrent use.
//
// # Writes
//
// Put, PutBatch and Delete copy the record into a queue keyed by bucket and
// key and return; a Delete is queued as a tombstone that the flusher writes
// as a Delete of the next stage. A write for a key already queued replaces
// the queued write, so ten Puts of one key between two flushes reach the
// next stage as one, and a Put followed by a Delete reaches it as the
// Delete: the last write of each key always wins. The flusher writes the
// puts of a batch with one PutBatch when the next stage is a
// [store.BatchPutter] and with one Put each otherwise, and keys leave the
// queue in the order they entered it.
//
// # Reads
//
// Get looks at the queued writes first: a queued put is returned (a copy;
// an ExpireAt that has passed gives [store.ErrNotFound]), a queued delete
// gives store.ErrNotFound, and only a key with nothing queued is read from
// the next stage. Scan yields the bucket's queued puts, then the next
// stage's records whose keys have nothing queued; it is weakly consistent,
// as a Scan of a backend is: writes made while it runs may or may not be
// seen, but no key is yielded twice.
//
// # Durability
//
// A write is durable once a [WriteBehindStage.Flush] or Close that began
// after it returns nil. A write the next stage still rejects after every
// retry is given up: it is counted, reported to OnError, and makes every
// later Flush and the Close return its error, until a newer write of the
// same key is stored. A failed write never comes back over a newer one:
// what is queued after it is written after it. Close waits for the next
// stage as long as it takes; put a [Breaker] under this layer to bound that.
type WriteBehindStage struct {
	next   store.Stage
	o      WriteBehindOptions
	closed atomic.Bool   // set once Close begins; read without the lock by check
	wake   chan struct{} // capacity 1: a pending signal to the flusher
	done   chan struct{} // closed when the flusher has drained and returned
	closeD chan struct{} // closed when the first Close has returned

	mu       sync.Mutex
	queued   map[wbKey]*wbEntry // keys waiting to be written
	head     *wbEntry           // oldest waiting key; the flusher takes from here
	tail     *wbEntry           // newest waiting key
	inflight map[wbKey]*wbEntry // the batch being written; nil while none is
	inFirst  uint64             // smallest first of the batch being written
	seq      uint64             // numbers every accepted write, from 1
	room     chan struct{}      // closed and replaced when room may have freed
	blocked  int                // writes waiting on room
	waiters  []*flushWaiter
	failures wbFailures
	stats    WriteBehindStats // every field but Pending
}

var (
	_ store.Stage       = (*WriteBehindStage)(nil)
	_ store.Flusher     = (*WriteBehindStage)(nil)
	_ store.BatchPutter = (*WriteBehindStage)(nil)
	_ store.Pinger      = (*WriteBehindStage)(nil)
	_ store.NativeTTL   = (*WriteBehindStage)(nil)
)

// wbKey identifies a record in the queue.
type wbKey struct {
	bucket, key string
}

// wbEntry is the queued write of one key.
type wbEntry struct {
	key   wbKey
	rec   store.Record // a private copy; never modified once queued, only replaced
	del   bool         // a tombstone: the write is a Delete
	first uint64       // number of the write that queued the key: its place in line
	seq   uint64       // number of the latest write, which rec holds
	at    time.Time    // when the key was queued; Interval counts from here
	next  *wbEntry     // the key queued after this one
}

func newWriteBehind(next store.Stage, o WriteBehindOptions) *WriteBehindStage {
	s := &WriteBehindStage{
		next:   next,
		o:      o,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		closeD: make(chan struct{}),
		queued: make(map[wbKey]*wbEntry),
		room:   make(chan struct{}),
	}
	go s.run()
	return s
}

func wbWrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("layer: write-behind: %s: %w", op, err)
}

// check makes the open and context checks every method starts with.
func (s *WriteBehindStage) check(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return ctx.Err()
}

// signal wakes the flusher without blocking.
func (s *WriteBehindStage) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// held returns how many keys the stage holds, waiting or being written.
func (s *WriteBehindStage) held() int {
	return len(s.queued) + len(s.inflight)
}

// ownCopy copies r's key and value into one allocation of the stage's own.
func ownCopy(r store.Record) store.Record {
	buf := make([]byte, len(r.Key)+len(r.Value))
	n := copy(buf, r.Key)
	copy(buf[n:], r.Value)
	r.Key, r.Value = buf[:n:n], buf[n:]
	return r
}

// Put queues a copy of r and returns; see [WriteBehindStage] for when it
// reaches the next stage.
func (s *WriteBehindStage) Put(ctx context.Context, r store.Record) error {
	if err := s.check(ctx); err != nil {
		return wbWrap("put", err)
	}
	return wbWrap("put", s.enqueue(ctx, ownCopy(r), false))
}

// PutBatch queues a copy of each record in turn, as Put would. If one
// cannot be queued it returns that error; the records before it stay
// queued.
func (s *WriteBehindStage) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := s.check(ctx); err != nil {
		return wbWrap("put batch", err)
	}
	for _, r := range rs {
		if err := s.enqueue(ctx, ownCopy(r), false); err != nil {
			return wbWrap("put batch", err)
		}
	}
	return nil
}

// Delete queues a tombstone for bucket and key, which replaces any write of
// that key still queued and reaches the next stage as a Delete.
func (s *WriteBehindStage) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := s.check(ctx); err != nil {
		return wbWrap("delete", err)
	}
	r := ownCopy(store.Record{Bucket: bucket, Key: key})
	r.Value = nil
	return wbWrap("delete", s.enqueue(ctx, r, true))
}

// enqueue queues r, which the stage owns, as the latest write of its key.
func (s *WriteBehindStage) enqueue(ctx context.Context, r store.Record, del bool) error {
	var timeout <-chan time.Time
	s.mu.Lock()
	for {
		if s.closed.Load() {
			s.mu.Unlock()
			return store.ErrClosed
		}
		// The key is converted inline so that the lookup does not allocate.
		if e := s.queued[wbKey{r.Bucket, string(r.Key)}]; e != nil {
			s.seq++
			e.rec, e.del, e.seq = r, del, s.seq
			s.mu.Unlock()
			return nil
		}
		if s.held() < s.o.QueueSize || s.writing(r) {
			s.push(r, del)
			// The flusher needs waking only when it may be waiting with no
			// deadline (the queue was empty) or must start early.
			n := len(s.queued)
			wake := n == 1 || n == s.o.BatchSize || s.held() >= s.o.QueueSize
			s.mu.Unlock()
			if wake {
				s.signal()
			}
			return nil
		}
		if s.o.WhenFull == Drop {
			s.seq++
			s.stats.Dropped++
			err := fmt.Errorf("layer: write-behind: %w: a write was dropped", ErrQueueFull)
			s.failures.add(wbKey{r.Bucket, string(r.Key)}, s.seq, s.seq, err, s.o.QueueSize)
			s.mu.Unlock()
			s.report(err, []store.Record{r})
			return nil
		}
		room := s.room
		s.blocked++
		s.mu.Unlock()
		s.signal()
		if timeout == nil && s.o.BlockTimeout > 0 {
			t := time.NewTimer(s.o.BlockTimeout)
			defer t.Stop()
			timeout = t.C
		}
		var err error
		select {
		case <-room:
		case <-ctx.Done():
			err = fmt.Errorf("%w: %w", ErrQueueFull, ctx.Err())
		case <-timeout:
			err = fmt.Errorf("%w: no room within %v", ErrQueueFull, s.o.BlockTimeout)
		}
		s.mu.Lock()
		s.blocked--
		if err != nil {
			s.mu.Unlock()
			return err
		}
	}
}

// writing reports whether the key of r is in the batch being written;
// s.mu is held.
func (s *WriteBehindStage) writing(r store.Record) bool {
	_, ok := s.inflight[wbKey{r.Bucket, string(r.Key)}]
	return ok
}

// push appends a new key to the queue; s.mu is held.
func (s *WriteBehindStage) push(r store.Record, del bool) {
	s.seq++
	e := &wbEntry{
		key: wbKey{r.Bucket, string(r.Key)},
		rec: r, del: del,
		first: s.seq, seq: s.seq,
		at: time.Now(),
	}
	s.queued[e.key] = e
	if s.tail == nil {
		s.head = e
	} else {
		s.tail.next = e
	}
	s.tail = e
}

// Flush returns nil once every write acknowledged before the call has been
// stored by the next stage and, when the next stage is a [store.Flusher],
// its Flush has returned nil. It returns an error if one of those writes
// was given up, or was dropped, and no newer write of its key has been
// stored since; the error wraps the next stage's error (or [ErrQueueFull]).
// While Flush waits the flusher writes without waiting for Interval. It
// returns an error matching ctx.Err() if ctx ends first; the writes stay
// queued.
func (s *WriteBehindStage) Flush(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return wbWrap("flush", err)
	}
	s.mu.Lock()
	target := s.seq
	var w *flushWaiter
	if s.outstanding(target) {
		w = &flushWaiter{target: target, done: make(chan struct{})}
		s.waiters = append(s.waiters, w)
	}
	s.mu.Unlock()
	if w != nil {
		s.signal()
		select {
		case <-w.done:
		case <-ctx.Done():
			s.mu.Lock()
			s.dropWaiter(w)
			s.mu.Unlock()
			return wbWrap("flush", ctx.Err())
		}
	}
	s.mu.Lock()
	err := s.failures.err(target)
	s.mu.Unlock()
	if err != nil {
		return wbWrap("flush", err)
	}
	if f, ok := s.next.(store.Flusher); ok {
		err := f.Flush(ctx)
		// A Close that began meanwhile closed the next stage only after
		// writing everything, which makes the writes as durable as the
		// next stage's Flush would have.
		if errors.Is(err, store.ErrClosed) && s.closed.Load() {
			err = nil
		}
		return wbWrap("flush", err)
	}
	return nil
}

// Ping checks that the stage is open and, when the next stage is a
// [store.Pinger], pings it.
func (s *WriteBehindStage) Ping(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return wbWrap("ping", err)
	}
	if p, ok := s.next.(store.Pinger); ok {
		return wbWrap("ping", p.Ping(ctx))
	}
	return nil
}

// NativeTTL passes on the next stage's answer; false when it has none.
func (s *WriteBehindStage) NativeTTL() bool {
	n, ok := s.next.(store.NativeTTL)
	return ok && n.NativeTTL()
}

// Stats returns the stage's counters.
func (s *WriteBehindStage) Stats() WriteBehindStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Pending = s.held()
	return st
}

// Close stops accepting writes (they fail with an error matching
// [store.ErrClosed], as does a write still waiting for room), writes
// everything queued, retrying as usual, stops the flusher, and closes the
// next stage. It returns the error Flush would return for the writes
// acknowledged before it, else the next stage's Close error. Later calls
// wait for the first to finish and return nil.
func (s *WriteBehindStage) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		<-s.closeD
		return nil
	}
	s.closed.Store(true)
	close(s.room) // writes waiting for room see the stage closed
	s.room = make(chan struct{})
	s.mu.Unlock()
	defer close(s.closeD)

	s.signal()
	<-s.done
	s.mu.Lock()
	err := s.failures.err(math.MaxUint64)
	s.mu.Unlock()
	if cerr := s.next.Close(); err == nil {
		err = cerr
	}
	return wbWrap("close", err)
}
