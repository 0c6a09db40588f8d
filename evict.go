package livedict

// S3-FIFO (Yang et al., SOSP 2023), one instance per shard: new keys enter
// a small FIFO (10% of the shard's capacity); keys read again before they
// leave it move to the main FIFO, the rest go to a ghost list of hashes.
// A key whose hash is still in the ghost list re-enters straight into main.
// Main is a FIFO with reinsertion: an entry read since it was last looked
// at goes round again with its count lowered. A read only raises a 2-bit
// counter with CAS, so the read path takes no lock and writes nothing once
// an entry is hot.

const (
	freqMask  = 0b0011 // in entry.Aux
	queueMask = 0b1100
	inSmall   = 0b0100
	inMain    = 0b1000
	maxFreq   = 3
)

type fifo[K comparable, V any] struct {
	head, tail *entry[K, V] // push at head, pop at tail
	n          int
}

func (q *fifo[K, V]) push(e *entry[K, V]) {
	e.qprev, e.qnext = nil, q.head
	if q.head != nil {
		q.head.qprev = e
	} else {
		q.tail = e
	}
	q.head = e
	q.n++
}

func (q *fifo[K, V]) remove(e *entry[K, V]) {
	if e.qprev != nil {
		e.qprev.qnext = e.qnext
	} else {
		q.head = e.qnext
	}
	if e.qnext != nil {
		e.qnext.qprev = e.qprev
	} else {
		q.tail = e.qprev
	}
	e.qnext, e.qprev = nil, nil
	q.n--
}

// replace puts e where old is.
func (q *fifo[K, V]) replace(old, e *entry[K, V]) {
	e.qprev, e.qnext = old.qprev, old.qnext
	if e.qprev != nil {
		e.qprev.qnext = e
	} else {
		q.head = e
	}
	if e.qnext != nil {
		e.qnext.qprev = e
	} else {
		q.tail = e
	}
	old.qnext, old.qprev = nil, nil
}

type s3fifo[K comparable, V any] struct {
	small, main fifo[K, V]
	capacity    int
	smallCap    int // 0: 10% of the entries queued (initUncounted)
	ghost       ghost
	wcap        int64 // the shard's share of MaxWeight; 0: none (weight.go)
}

func (s *s3fifo[K, V]) init(capacity int) {
	s.capacity = capacity
	s.smallCap = max(capacity/10, 1)
	s.ghost.init(max(capacity-s.smallCap, 1))
}

// uncountedGhost is the ghost list's length for a shard bounded by weight
// alone, whose number of entries is not known in advance.
const uncountedGhost = 256

// initUncounted sets up a queue bounded by weight only (MaxWeight without
// MaxKeys): no bound on the count, and the small FIFO takes 10% of the
// entries the shard holds at the time.
func (s *s3fifo[K, V]) initUncounted() {
	s.capacity = int(^uint(0) >> 1)
	s.smallCap = 0
	s.ghost.init(uncountedGhost)
}

// smallLimit is the small FIFO's share.
func (s *s3fifo[K, V]) smallLimit() int {
	if s.smallCap == 0 {
		return max(s.len()/10, 1)
	}
	return s.smallCap
}

func (s *s3fifo[K, V]) queue(e *entry[K, V]) *fifo[K, V] {
	switch e.Aux.Load() & queueMask {
	case inSmall:
		return &s.small
	case inMain:
		return &s.main
	}
	return nil
}

func setQueue[K comparable, V any](e *entry[K, V], q uint32) { setBits(e, queueMask, q) }

func setFreq[K comparable, V any](e *entry[K, V], f uint32) { setBits(e, freqMask, f) }

// setBits replaces the bits of e.Aux under mask with v, with CAS because
// readers raise the access count concurrently.
func setBits[K comparable, V any](e *entry[K, V], mask, v uint32) {
	for {
		old := e.Aux.Load()
		if e.Aux.CompareAndSwap(old, old&^mask|v) {
			return
		}
	}
}

// add queues a newly inserted entry; h is its hash.
func (s *s3fifo[K, V]) add(e *entry[K, V], h uint64) {
	if s.ghost.remove(h) {
		setQueue(e, inMain)
		s.main.push(e)
		return
	}
	setQueue(e, inSmall)
	s.small.push(e)
}

// swap moves old's place and count to its replacement e.
func (s *s3fifo[K, V]) swap(old, e *entry[K, V]) {
	if q := s.queue(old); q != nil {
		q.replace(old, e)
		setQueue(e, old.Aux.Load()&queueMask)
		setFreq(e, old.Aux.Load()&freqMask)
	}
}

func (s *s3fifo[K, V]) unlink(e *entry[K, V]) {
	if q := s.queue(e); q != nil {
		q.remove(e)
		setQueue(e, 0)
	}
}

func (s *s3fifo[K, V]) len() int { return s.small.n + s.main.n }

// victim chooses the next entry to evict and unlinks it from its queue;
// hash gives an entry's hash for the ghost list. nil when both are empty.
func (s *s3fifo[K, V]) victim(hash func(*entry[K, V]) uint64) *entry[K, V] {
	for s.len() > 0 {
		if s.small.n > s.smallLimit() || s.main.n == 0 {
			e := s.small.tail
			s.small.remove(e)
			if e.Aux.Load()&freqMask > 1 {
				setFreq(e, 0)
				setQueue(e, inMain)
				s.main.push(e)
				continue
			}
			setQueue(e, 0)
			s.ghost.add(hash(e))
			return e
		}
		e := s.main.tail
		s.main.remove(e)
		if f := e.Aux.Load() & freqMask; f > 0 {
			setFreq(e, f-1)
			s.main.push(e)
			continue
		}
		setQueue(e, 0)
		return e
	}
	return nil
}

// touch records a read: a lock-free saturating increment that writes
// nothing once the count is at its maximum.
func touch[K comparable, V any](e *entry[K, V]) {
	if s := e.Aux.Load(); s&freqMask < maxFreq {
		e.Aux.CompareAndSwap(s, s+1)
	}
}
