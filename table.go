package livedict

import (
	"math/bits"
	"sync/atomic"
)

// The table is one shard's hash index: an array of 64-byte buckets, each
// with six entry slots, a metadata word and an overflow link. Readers walk
// it with atomic loads and take no lock; the shard's writer (holding the
// shard lock) publishes with atomic stores.
//
// Growing is incremental, so that no write holds the shard lock for a copy
// of the whole shard (tens of thousands of entries: milliseconds, which
// showed as the Set tail of issue 14). Growth publishes a table twice the
// size whose prev is the old one, from then on frozen; every later write
// first evacuates the old bucket its key hashes to (copies its entries into
// the new table and sets evacuated in its meta), and each insert evacuates
// evacuatePerInsert more, in order, so the old table is dropped within
// len(old)/evacuatePerInsert inserts, long before the next growth is due.
// A reader whose key's old bucket is not yet evacuated reads the old
// table, which holds the state from before the flag was set; once the
// flag is set, the new table holds everything the old bucket did.
//
// Metadata: byte i (i < 6) of meta is 0 when slot i is empty, else 0x80|h2,
// seven more bits of the hash, so a lookup compares keys only on a 1/128
// false-positive rate. Bit 63 of a primary bucket of a frozen table is
// evacuated.

const (
	slotsPerBucket = 6
	metaUsedMask   = 0x0000_8080_8080_8080 // the high bit of each slot byte
	metaLowBits    = 0x0000_0101_0101_0101
	loadFactor     = 4 // grow when count > buckets*loadFactor (of 6 slots)
	minBuckets     = 8
	evacuated      = 1 << 63

	// evacuatePerInsert old buckets are evacuated by every insert while
	// a table grows: the old table holds count/loadFactor buckets and the
	// next growth is count inserts away, so 2 leaves a factor 8 to spare.
	evacuatePerInsert = 2
)

type tbucket[K comparable, V any] struct {
	meta  atomic.Uint64
	slots [slotsPerBucket]atomic.Pointer[entry[K, V]]
	next  atomic.Pointer[tbucket[K, V]]
}

type table[K comparable, V any] struct {
	buckets []tbucket[K, V]
	// prev is the table being evacuated into this one, nil when none.
	prev atomic.Pointer[table[K, V]]
	// frags[i*slotsPerBucket+s] holds the low 16 bits of the hash of the
	// entry in slot s of primary bucket i. Growing reads them instead of
	// rehashing each key, which would be a cache miss per entry; only
	// writers touch them. Overflow buckets have none.
	frags []uint16
	mask  uint64

	// While prev is set (writers only): the next old bucket to evacuate
	// in order, and the hash of an entry, for tables too large for frags.
	evacNext int
	rehash   func(*entry[K, V]) uint64
}

// fragBits is how many low hash bits frags keep: tables of up to 2^16
// buckets per shard grow without touching the entries.
const fragBits = 16

func newTable[K comparable, V any](n int) *table[K, V] {
	n = max(nextPow2(n), minBuckets)
	return &table[K, V]{
		buckets: make([]tbucket[K, V], n),
		frags:   make([]uint16, n*slotsPerBucket),
		mask:    uint64(n - 1),
	}
}

// h2 takes hash bits that neither the shard index (top bits) nor the
// bucket index (low bits) use.
func h2(h uint64) uint64 { return (h>>48)&0x7f | 0x80 }

// matchMeta returns a mask with the high bit set in each slot byte of meta
// equal to tag; a stray bit may appear after a true match (borrow), which
// the key comparison filters out.
func matchMeta(meta, tag uint64) uint64 {
	x := meta ^ (tag * metaLowBits)
	return (x - metaLowBits) &^ x & metaUsedMask
}

func slotIndex(m uint64) int { return bits.TrailingZeros64(m) >> 3 }

// find returns the live slot holding (bucket, key), or nil. Safe without
// the shard lock.
func (t *table[K, V]) find(h uint64, bucket uint32, key K) *entry[K, V] {
	b := &t.buckets[h&t.mask]
	if p := t.prev.Load(); p != nil {
		if pb := &p.buckets[h&p.mask]; pb.meta.Load()&evacuated == 0 {
			b = pb
		}
	}
	tag := h2(h)
	for ; b != nil; b = b.next.Load() {
		for m := matchMeta(b.meta.Load(), tag); m != 0; m &= m - 1 {
			e := b.slots[slotIndex(m)].Load()
			if e != nil && e.key == key && e.bucket() == bucket {
				return e
			}
		}
	}
	return nil
}

// slotOf locates the slot holding exactly e. Shard lock held.
func (t *table[K, V]) slotOf(h uint64, e *entry[K, V]) (*tbucket[K, V], int) {
	t.settle(h)
	tag := h2(h)
	for b := &t.buckets[h&t.mask]; b != nil; b = b.next.Load() {
		for m := matchMeta(b.meta.Load(), tag); m != 0; m &= m - 1 {
			i := slotIndex(m)
			if b.slots[i].Load() == e {
				return b, i
			}
		}
	}
	return nil, -1
}

// insert places e, whose key is known to be absent. Shard lock held.
func (t *table[K, V]) insert(h uint64, e *entry[K, V]) {
	t.settle(h)
	t.place(h, h2(h), e)
}

// place puts e in the first free slot of the bucket chain for hash h
// (of which only the bits in mask and the low 16 need be right) with
// metadata tag.
func (t *table[K, V]) place(h, tag uint64, e *entry[K, V]) {
	bi := h & t.mask
	b := &t.buckets[bi]
	for primary := true; ; primary = false {
		meta := b.meta.Load()
		if free := ^meta & metaUsedMask; free != 0 {
			i := slotIndex(free)
			if primary {
				t.frags[int(bi)*slotsPerBucket+i] = uint16(h)
			}
			b.slots[i].Store(e)
			b.meta.Store(meta | tag<<(8*i))
			return
		}
		next := b.next.Load()
		if next == nil {
			next = new(tbucket[K, V])
			next.slots[0].Store(e)
			next.meta.Store(tag)
			b.next.Store(next)
			return
		}
		b = next
	}
}

// clear empties slot i of b. Shard lock held. The metadata goes first, so
// a reader that still sees the tag finds a nil or different entry and
// moves on.
func (b *tbucket[K, V]) clear(i int) {
	b.meta.Store(b.meta.Load() &^ (0xff << (8 * i)))
	b.slots[i].Store(nil)
}

// grow starts growing t: it returns a table twice the size, whose prev
// is t, to publish in t's place. A growth still under way is finished
// first, so at most two tables are ever linked. hash gives an entry's hash
// when the fragments do not suffice. Shard lock held.
func (t *table[K, V]) grow(hash func(*entry[K, V]) uint64) *table[K, V] {
	t.finish()
	nt := newTable[K, V](len(t.buckets) * 2)
	nt.rehash = hash
	nt.prev.Store(t)
	return nt
}

// settle evacuates the old bucket that hash h maps to, if t is growing and
// it is not yet evacuated, so that a write for h finds its key in t alone.
// Shard lock held.
func (t *table[K, V]) settle(h uint64) {
	if p := t.prev.Load(); p != nil {
		if j := int(h & p.mask); p.buckets[j].meta.Load()&evacuated == 0 {
			t.evacuate(p, j)
		}
	}
}

// advance evacuates up to n more old buckets, in order, and drops the old
// table once all are. Shard lock held.
func (t *table[K, V]) advance(n int) {
	p := t.prev.Load()
	if p == nil {
		return
	}
	for ; n > 0 && t.evacNext < len(p.buckets); t.evacNext++ {
		if p.buckets[t.evacNext].meta.Load()&evacuated == 0 {
			t.evacuate(p, t.evacNext)
			n--
		}
	}
	for t.evacNext < len(p.buckets) && p.buckets[t.evacNext].meta.Load()&evacuated != 0 {
		t.evacNext++
	}
	if t.evacNext == len(p.buckets) {
		t.prev.Store(nil)
		t.rehash = nil
	}
}

// finish evacuates whatever is left of a growth under way. Shard lock held.
func (t *table[K, V]) finish() {
	if p := t.prev.Load(); p != nil {
		t.advance(len(p.buckets))
	}
}

// evacuate copies the entries of old bucket j of p (its chain included)
// into t and then marks it evacuated. p is frozen: nothing else writes it.
func (t *table[K, V]) evacuate(p *table[K, V], j int) {
	useFrags := t.mask < 1<<fragBits
	first := &p.buckets[j]
	for b, primary := first, true; b != nil; b, primary = b.next.Load(), false {
		meta := b.meta.Load()
		for m := meta & metaUsedMask; m != 0; m &= m - 1 {
			i := slotIndex(m)
			e := b.slots[i].Load()
			tag := meta >> (8 * i) & 0xff
			if primary && useFrags {
				t.place(uint64(p.frags[j*slotsPerBucket+i]), tag, e)
			} else {
				t.place(t.rehash(e), tag, e)
			}
		}
	}
	first.meta.Store(first.meta.Load() | evacuated)
}

// each calls fn for every entry in the table. Safe without the shard lock:
// the view is weakly consistent. While t grows, an old bucket not yet
// evacuated is read in the old table, an evacuated one as the two buckets
// of t it split into; so no entry is visited twice.
func (t *table[K, V]) each(fn func(*entry[K, V]) bool) bool {
	p := t.prev.Load()
	if p == nil {
		return eachIn(t.buckets, fn)
	}
	n := len(p.buckets)
	for j := range p.buckets {
		if p.buckets[j].meta.Load()&evacuated == 0 {
			if !eachIn(p.buckets[j:j+1], fn) {
				return false
			}
		} else if !eachIn(t.buckets[j:j+1], fn) || !eachIn(t.buckets[j+n:j+n+1], fn) {
			return false
		}
	}
	return true
}

func eachIn[K comparable, V any](buckets []tbucket[K, V], fn func(*entry[K, V]) bool) bool {
	for i := range buckets {
		for b := &buckets[i]; b != nil; b = b.next.Load() {
			for m := b.meta.Load() & metaUsedMask; m != 0; m &= m - 1 {
				if e := b.slots[slotIndex(m)].Load(); e != nil && !fn(e) {
					return false
				}
			}
		}
	}
	return true
}

func trailingZeros(w uint64) int { return bits.TrailingZeros64(w) }
