package livedict

import (
	"sync/atomic"
	"unsafe"

	"github.com/livedict/livedict/expiry"
)

// entry is one stored key and value. Once published in a table its key,
// value, bucket and extra never change: a write that changes the value
// publishes a new entry, so readers never see a torn value. Only the
// deadline (atomic, in the embedded Node) and the eviction bookkeeping
// change in place.
//
// The expiry.Node must stay the first field: the wheel hands back *Node and
// entryOf converts it to the entry that contains it.
type entry[K comparable, V any] struct {
	expiry.Node // wheel links and the deadline; 0 means no deadline

	qnext, qprev *entry[K, V] // S3-FIFO queue links (Evict policy only)

	// extra holds what few entries use (access token, per-entry hooks), so
	// that the common entry pays one pointer for it.
	extra *entryExtra[K, V]

	// state packs the S3-FIFO access count (bits 0-1) and the queue the
	// entry is in (bits 2-3). Readers raise the count with CAS.
	state atomic.Uint32

	bucket uint32 // bucket id; 0 is the default bucket

	key   K
	value V
}

type entryExtra[K comparable, V any] struct {
	token    string // non-empty: Get must present it
	onExpire func(Event[K, V])
	onAccess func(Event[K, V])
}

func entryOf[K comparable, V any](n *expiry.Node) *entry[K, V] {
	return (*entry[K, V])(unsafe.Pointer(n))
}

// guarded reports whether the entry needs an access token.
func (e *entry[K, V]) guarded() bool { return e.extra != nil && e.extra.token != "" }

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
