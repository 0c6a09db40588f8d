package livedict

import (
	"math/bits"
	"sync/atomic"
)

// The table is one shard's hash index: an array of 64-byte buckets, each
// with six entry slots, a metadata word and an overflow link. Readers walk
// it with atomic loads and take no lock; the shard's writer (holding the
// shard lock) publishes with atomic stores. Growing builds a new table and
// swaps the pointer: a reader still on the old one sees the state from
// before the swap, which is a valid linearisation for a read that started
// before it.
//
// Metadata: byte i (i < 6) of meta is 0 when slot i is empty, else 0x80|h2,
// seven more bits of the hash, so a lookup compares keys only on a 1/128
// false-positive rate.

const (
	slotsPerBucket = 6
	metaUsedMask   = 0x0000_8080_8080_8080 // the high bit of each slot byte
	metaLowBits    = 0x0000_0101_0101_0101
	loadFactor     = 4 // grow when count > buckets*loadFactor (of 6 slots)
	minBuckets     = 8
)

type tbucket[K comparable, V any] struct {
	meta  atomic.Uint64
	slots [slotsPerBucket]atomic.Pointer[entry[K, V]]
	next  atomic.Pointer[tbucket[K, V]]
}

type table[K comparable, V any] struct {
	buckets []tbucket[K, V]
	// frags[i*slotsPerBucket+s] holds the low 16 bits of the hash of the
	// entry in slot s of primary bucket i. Growing reads them instead of
	// rehashing each key, which would be a cache miss per entry; only
	// writers touch them. Overflow buckets have none.
	frags []uint16
	mask  uint64
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
	tag := h2(h)
	for b := &t.buckets[h&t.mask]; b != nil; b = b.next.Load() {
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
func (t *table[K, V]) insert(h uint64, e *entry[K, V]) { t.place(h, h2(h), e) }

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

// grown returns a table twice the size holding the same entries. hash
// recomputes an entry's hash when the fragments do not suffice.
func (t *table[K, V]) grown(hash func(*entry[K, V]) uint64) *table[K, V] {
	nt := newTable[K, V](len(t.buckets) * 2)
	useFrags := nt.mask < 1<<fragBits
	for bi := range t.buckets {
		for b, primary := &t.buckets[bi], true; b != nil; b, primary = b.next.Load(), false {
			meta := b.meta.Load()
			for m := meta & metaUsedMask; m != 0; m &= m - 1 {
				i := slotIndex(m)
				e := b.slots[i].Load()
				tag := meta >> (8 * i) & 0xff
				if primary && useFrags {
					nt.place(uint64(t.frags[bi*slotsPerBucket+i]), tag, e)
				} else {
					nt.place(hash(e), tag, e)
				}
			}
		}
	}
	return nt
}

// each calls fn for every entry in the table. Safe without the shard lock:
// the view is weakly consistent.
func (t *table[K, V]) each(fn func(*entry[K, V]) bool) bool {
	for i := range t.buckets {
		for b := &t.buckets[i]; b != nil; b = b.next.Load() {
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
