package livedict

import (
	"unsafe"

	"github.com/livedict/livedict/expiry"
)

// entry is one stored key and value. Once published in a table its key,
// value, bucket and extra never change: a write that changes the value
// publishes a new entry, so readers never see a torn value. Only the
// deadline (atomic, in the embedded Node), the eviction bookkeeping and
// whether its latest write was given up change in place.
//
// The expiry.Node must stay the first field: the wheel hands back *Node and
// entryOf converts it to the entry that contains it.
//
// Node.Aux packs the bucket id (bits 6-31, fixed at creation), whether the
// latest write logged for the entry was given up (bit 5, see logOp),
// whether the entry has extras (bit 4, fixed at creation), the queue the
// entry is in (bits 2-3) and its S3-FIFO access count (bits 0-1); readers
// raise the count with CAS. Keeping these in the Node's spare word saves a
// word per entry.
type entry[K comparable, V any] struct {
	expiry.Node // wheel links, the deadline (0 means none) and Aux

	qnext, qprev *entry[K, V] // S3-FIFO queue links (Evict policy only)

	key   K
	value V
}

// extendedEntry is how an entry with extras (access token, per-entry
// hooks, a sealed value) is allocated: the entry first, so that a *entry
// of one converts to it, and the extras' pointer after it. The common
// entry so pays nothing for them: the pointer used to be a field of every
// entry, a word that for many value types took the entry into the next
// size class (BenchmarkMemoryPerEntry value=bytes: 96 -> 80 bytes).
type extendedEntry[K comparable, V any] struct {
	entry[K, V]
	extra *entryExtra[K, V]
}

type entryExtra[K comparable, V any] struct {
	token    string // non-empty: Get must present it
	onExpire func(Event[K, V])
	onAccess func(Event[K, V])
	sealed   *sealedValue // non-nil: the value, sealed (sealed.go); entry.value is zero
}

const (
	hasExtra    = 1 << 4 // in Aux: the entry is the head of an extendedEntry
	lostWrite   = 1 << 5 // in Aux: the latest write logged for the entry was given up
	bucketShift = 6
)

func newEntry[K comparable, V any](bucket uint32, key K, value V, ex *entryExtra[K, V]) *entry[K, V] {
	aux := bucket << bucketShift
	var e *entry[K, V]
	if ex != nil {
		x := &extendedEntry[K, V]{entry: entry[K, V]{key: key, value: value}, extra: ex}
		e, aux = &x.entry, aux|hasExtra
	} else {
		e = &entry[K, V]{key: key, value: value}
	}
	e.Aux.Store(aux)
	return e
}

// extras returns the entry's extras, nil for most entries.
func (e *entry[K, V]) extras() *entryExtra[K, V] {
	if e.Aux.Load()&hasExtra == 0 {
		return nil
	}
	return (*extendedEntry[K, V])(unsafe.Pointer(e)).extra
}

// lost reports whether the latest write logged for e was given up.
func (e *entry[K, V]) lost() bool { return e.Aux.Load()&lostWrite != 0 }

// setLost records whether the latest write logged for e was given up; the
// caller holds e's shard lock. Readers change Aux's S3-FIFO bits without
// it, so the bit changes atomically, and only when it differs: a fresh
// entry whose write was queued pays one load.
func (e *entry[K, V]) setLost(lost bool) {
	switch a := e.Aux.Load(); {
	case lost && a&lostWrite == 0:
		e.Aux.Or(lostWrite)
	case !lost && a&lostWrite != 0:
		e.Aux.And(^uint32(lostWrite))
	}
}

// bucket returns the id of the entry's bucket; 0 is the default bucket.
func (e *entry[K, V]) bucket() uint32 { return e.Aux.Load() >> bucketShift }

func entryOf[K comparable, V any](n *expiry.Node) *entry[K, V] {
	return (*entry[K, V])(unsafe.Pointer(n))
}

// guarded reports whether the entry needs an access token.
func (e *entry[K, V]) guarded() bool {
	x := e.extras()
	return x != nil && x.token != ""
}

// tokenMatches compares in time that depends only on the lengths.
func tokenMatches(want, got string) bool {
	if len(want) != len(got) {
		return false
	}
	var v byte
	for i := 0; i < len(want); i++ {
		v |= want[i] ^ got[i]
	}
	return v == 0
}
