package writeback

import (
	"errors"
	"sync"

	"github.com/livedict/livedict/store"
)

// lostSet remembers, per key, the latest write given up (queue full,
// retries exhausted, a value that does not encode), until a newer write of
// the key is stored. It is kept per stripe, as the logs are, so that the
// order of a key's writes (seq, per stripe) tells whether a stored write
// is newer than the lost one. It holds at most limit keys (4×QueueSize,
// and at least 65536: a key and a number each, far less than a queued op);
// past that it
// counts the lost writes per bucket without telling keys apart
// (overflow), which only a Clear of the bucket (or closing the store)
// forgets.
type lostSet[K comparable] struct {
	mu       sync.Mutex
	limit    int
	n        int
	byStripe []map[Key[K]]uint64 // key → seq of the write given up
	overflow map[uint32]int
	cause    error
}

// len returns the lost writes counted: keys tracked plus overflow.
func (l *lostSet[K]) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.n
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
	if l.n >= l.limit {
		if l.overflow == nil {
			l.overflow = map[uint32]int{}
		}
		l.overflow[key.Bucket]++
		return
	}
	m[key] = seq
	l.n++
}

// stored notes that the write seq of key (stripe i) was stored.
func (l *lostSet[K]) stored(i int, key Key[K], seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byStripe == nil || l.byStripe[i] == nil {
		return
	}
	if old, ok := l.byStripe[i][key]; ok && old < seq {
		delete(l.byStripe[i], key)
		l.n--
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
			l.n--
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
	if l.n == 0 && len(l.overflow) == 0 {
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
func (e *Engine[K, P]) Lost(stripeIdx int, key Key[K]) {
	st := &e.stripes[stripeIdx]
	st.mu.Lock()
	st.seq++
	seq := st.seq
	st.mu.Unlock()
	e.dropped.Add(1)
	e.lost.add(stripeIdx, key, seq, nil, len(e.stripes))
}

// LostErr returns the error Flush adds for the writes given up: a
// *store.WritesLostError, or nil when none is outstanding.
func (e *Engine[K, P]) LostErr() error { return e.lost.err(e.sink.BucketName) }

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
