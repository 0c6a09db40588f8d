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
	spare    []mark[K] // an emptied marks array, swapped into the next stripe folded
	swapped  func()    // tests: runs in takeMarks between the swap and the map
	// tests: runs in ClearBuckets between filtering a stripe's marks and
	// forgetting the stripe's keys folded already (clearStripe)
	filtered func()
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

// takeMarks moves stripe i's marks into the lost set. The stripe's lock
// is held only to swap its marks for the spare array; the keys go into the
// set's map after, under l.mu alone, so a writer never waits for the map.
// do, when not nil, runs in the same hold of the stripe's lock (a drain
// takes the log there).
//
// That keeps the order: a drain takes the ops of a stripe's log (collect)
// in the hold of the stripe's lock that swaps its marks out, and has them
// in the lost set before it writes any op it took, so an op newer than a
// mark is never stored before the mark is counted. Whoever folds (a drain,
// a reader of the lost set, a writer whose stripe is full) holds l.mu from
// before the swap until the marks are in, so a drain's fold waits for
// marks another has swapped out. Lock order: l.mu, then a stripe's lock;
// nothing takes l.mu while holding a stripe's lock.
func (e *Engine[K, P]) takeMarks(i int, st *stripe[K, P], do func()) {
	l := &e.lost
	l.mu.Lock()
	defer l.mu.Unlock()
	st.mu.Lock()
	marks := st.marks
	if len(marks) > 0 {
		st.marks, l.spare = l.spare[:0], nil
		st.nMarks.Store(0)
	}
	if do != nil {
		do()
	}
	st.mu.Unlock()
	if l.swapped != nil {
		l.swapped()
	}
	for _, m := range marks {
		l.addLocked(i, m.key, m.seq, len(e.stripes))
	}
	if len(marks) > 0 {
		clear(marks)
		if cap(marks) <= 2*e.markCap {
			l.spare = marks[:0]
		}
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
// It only appends a mark to the stripe (a key and its seq: no map, and no
// lock but the stripe's, which a drain holds only to swap the stripe's log
// and marks out), since under Drop a writer outpacing the
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
	full := len(st.marks) >= e.markCap
	st.nMarks.Store(int32(len(st.marks)))
	st.mu.Unlock()
	st.dropped.Add(1)
	if full {
		e.takeMarks(stripeIdx, st, nil)
	}
}

// LostAgain counts a write given up, as Lost does, for a caller that
// knows the lost set holds its key already with an older write and that
// no write of the key came in between (the caller's lock orders them): a
// mark would change nothing but the count.
func (e *Engine[K, P]) LostAgain(stripeIdx int) { e.stripes[stripeIdx].dropped.Add(1) }

// Marks returns how many writes given up wait as marks in the stripes,
// not yet folded into the lost set: for tests.
func (e *Engine[K, P]) Marks() int {
	n := 0
	for i := range e.stripes {
		st := &e.stripes[i]
		st.mu.Lock()
		n += len(st.marks)
		st.mu.Unlock()
	}
	return n
}

// mark is a write given up by Lost, not yet in the lost set.
type mark[K comparable] struct {
	key Key[K]
	seq uint64
}

// foldMarks folds every stripe's marks, for a reader of the lost set.
func (e *Engine[K, P]) foldMarks() {
	for i := range e.stripes {
		st := &e.stripes[i]
		if st.nMarks.Load() == 0 {
			continue
		}
		e.takeMarks(i, st, nil)
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
