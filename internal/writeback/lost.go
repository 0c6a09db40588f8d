package writeback

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/livedict/livedict/store"
)

// lostSet remembers, per key, the latest write given up (queue full,
// retries exhausted, a value that does not encode), until a newer write of
// the key is stored. It is kept per stripe, as the logs are, so that the
// order of a key's writes (seq, per stripe) tells whether a stored write
// is newer than the lost one. It holds at most limit keys (4×QueueSize,
// and at least 65536: a key and a number each, far less than a queued op);
// past that it counts the lost writes per bucket without telling keys apart
// (overflow), which only a Clear of the bucket (or closing the store)
// forgets. The writes Lost gives up wait as marks in their stripe until
// folded in (see Lost); the marks of all stripes hold about as many keys
// as limit at most.
type lostSet[K comparable] struct {
	mu       sync.Mutex
	limit    int
	n        atomic.Int64        // keys in byStripe; written under mu
	byStripe []map[Key[K]]uint64 // key → seq of the write given up
	overflow map[uint32]int
	cause    error
}

// len returns the lost writes counted: keys tracked plus overflow.
func (l *lostSet[K]) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int(l.n.Load())
	for _, c := range l.overflow {
		n += c
	}
	return n
}

// add records that the write seq of key (in stripe i) was given up.
func (l *lostSet[K]) add(i int, key Key[K], seq uint64, cause error, stripes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cause == nil && cause != nil {
		l.cause = cause
	}
	l.addLocked(i, key, seq, stripes)
}

func (l *lostSet[K]) addLocked(i int, key Key[K], seq uint64, stripes int) {
	if l.byStripe == nil {
		l.byStripe = make([]map[Key[K]]uint64, stripes)
	}
	m := l.byStripe[i]
	if m == nil {
		m = map[Key[K]]uint64{}
		l.byStripe[i] = m
	}
	if old, ok := m[key]; ok {
		m[key] = max(old, seq)
		return
	}
	if int(l.n.Load()) >= l.limit {
		if l.overflow == nil {
			l.overflow = map[uint32]int{}
		}
		l.overflow[key.Bucket]++
		return
	}
	m[key] = seq
	l.n.Add(1)
}

// addMarks records the writes given up in marks, all of stripe i, in one
// hold of the lock.
func (l *lostSet[K]) addMarks(i int, marks []mark[K], stripes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range marks {
		l.addLocked(i, m.key, m.seq, stripes)
	}
}

// stored notes that the write seq of key (stripe i) was stored.
func (l *lostSet[K]) stored(i int, key Key[K], seq uint64) {
	if l.n.Load() == 0 {
		// Nothing to forget. A mark older than this write was folded
		// before its op left the log, so it would be counted here.
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byStripe == nil || l.byStripe[i] == nil {
		return
	}
	if old, ok := l.byStripe[i][key]; ok && old < seq {
		delete(l.byStripe[i], key)
		l.n.Add(-1)
	}
}

// clearStripe forgets the lost writes of buckets in stripe i: a clear of
// those buckets is queued after them.
func (l *lostSet[K]) clearStripe(i int, buckets map[uint32]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byStripe == nil || l.byStripe[i] == nil {
		return
	}
	for k := range l.byStripe[i] {
		if buckets[k.Bucket] {
			delete(l.byStripe[i], k)
			l.n.Add(-1)
		}
	}
}

func (l *lostSet[K]) clearOverflow(buckets map[uint32]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for b := range buckets {
		delete(l.overflow, b)
	}
}

// err returns the *store.WritesLostError for what is recorded, or nil.
func (l *lostSet[K]) err(name func(uint32) string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n.Load() == 0 && len(l.overflow) == 0 {
		l.cause = nil
		return nil
	}
	e := &store.WritesLostError{Buckets: map[string]int{}, Cause: l.cause}
	for _, m := range l.byStripe {
		for k := range m {
			e.Buckets[name(k.Bucket)]++
		}
	}
	for b, n := range l.overflow {
		e.Buckets[name(b)] += n
		e.Overflow = true
	}
	return e
}

// Lost records a write given up before it was queued: the queue was full
// (Reserve returned Dropped). The caller holds the lock that orders the
// key's writes, as for Append.
//
// It only appends a mark to the stripe (a key and its seq: no map, no lock
// shared with the flusher), since under Drop a writer outpacing the
// flusher gives up most of its writes, and a lookup in the lost set per
// write would cost it more than the write itself. The marks are folded
// into the lost set by the next drain's collect, before any newer op of
// theirs can be stored, by readers of the lost set (Stats, LostErr), or
// here once the stripe holds its share of the lost set's bound: a writer
// then pays for the fold, as it does when a hung backend stalls drains.
func (e *Engine[K, P]) Lost(stripeIdx int, key Key[K]) {
	st := &e.stripes[stripeIdx]
	st.mu.Lock()
	st.seq++
	st.marks = append(st.marks, mark[K]{key, st.seq})
	if len(st.marks) >= e.markCap {
		e.foldLocked(stripeIdx, st)
	}
	st.nMarks.Store(int32(len(st.marks)))
	st.mu.Unlock()
	st.dropped.Add(1)
}

// mark is a write given up by Lost, not yet in the lost set.
type mark[K comparable] struct {
	key Key[K]
	seq uint64
}

// foldLocked moves stripe i's marks into the lost set; st.mu is held.
// Folding under the stripe's lock is what keeps the order: a drain takes
// the ops of a stripe's log (collect) with the stripe's marks folded in
// the same hold of its lock, before it writes any of them, so an op newer
// than a mark is never stored before the mark is counted.
func (e *Engine[K, P]) foldLocked(i int, st *stripe[K, P]) {
	if len(st.marks) == 0 {
		return
	}
	e.lost.addMarks(i, st.marks, len(e.stripes))
	clear(st.marks)
	st.marks = st.marks[:0]
	if cap(st.marks) > 2*e.markCap {
		st.marks = nil
	}
	st.nMarks.Store(0)
}

// foldMarks folds every stripe's marks, for a reader of the lost set.
func (e *Engine[K, P]) foldMarks() {
	for i := range e.stripes {
		st := &e.stripes[i]
		if st.nMarks.Load() == 0 {
			continue
		}
		st.mu.Lock()
		e.foldLocked(i, st)
		st.mu.Unlock()
	}
}

// LostErr returns the error Flush adds for the writes given up: a
// *store.WritesLostError, or nil when none is outstanding.
func (e *Engine[K, P]) LostErr() error {
	e.foldMarks()
	return e.lost.err(e.sink.BucketName)
}

// permanent marks a failure that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so that the engine gives the op up at once instead
// of retrying it.
func Permanent(err error) error { return permanent{err} }

func isPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// report hands a drain's failure to Config.Report.
func (e *Engine[K, P]) report(failed int, first error) {
	if e.cfg.Report != nil && failed > 0 {
		e.cfg.Report(failed, first)
	}
}
