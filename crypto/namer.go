package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"sync"
)

// nameInfo is the HKDF info string that separates naming keys from any other
// key derived from the same secret.
const nameInfo = "livedict name v1"

// Namer derives storage names from bucket and key bytes without revealing
// them. A Namer is safe for concurrent use. Like a [Key], a Namer never
// prints its key: see [Namer.Format].
type Namer struct {
	// macs holds keyed HMAC states, Reset between uses. The key itself
	// lives only in the closure of macs.New, out of reach of package fmt
	// and of reflection, so a Namer printed even by value shows none of it.
	macs sync.Pool
}

// NewNamer returns a Namer whose HMAC key is derived from secret with HKDF-SHA256
// and the info string "livedict name v1". The same secret always gives the same
// names.
func NewNamer(secret Key) *Namer {
	raw := secret.raw()
	defer clear(raw[:])
	k, err := hkdf.Key(sha256.New, raw[:], nil, nameInfo, sha256.Size)
	if err != nil {
		// HKDF-SHA256 fails only for outputs longer than 255*32 bytes.
		panic("crypto: derive name key: " + err.Error())
	}
	n := &Namer{}
	n.macs.New = func() any { return &namerState{mac: hmac.New(sha256.New, k)} }
	return n
}

// Name returns 64 lowercase hex digits: HMAC-SHA256 under the Namer's key of
// the uvarint length of bucket, bucket, and key. Name is deterministic, and
// distinct (bucket, key) pairs cannot collide by concatenation.
func (n *Namer) Name(bucket string, key []byte) string {
	var buf [2 * sha256.Size]byte
	return string(n.AppendName(buf[:0], bucket, key))
}

// AppendName appends Name(bucket, key) to dst and returns the result. It
// does not allocate when dst has room for 64 more bytes.
func (n *Namer) AppendName(dst []byte, bucket string, key []byte) []byte {
	st := n.macs.Get().(*namerState)
	// One Write of the whole input: the length, bucket and key are
	// gathered in the state's buffer, which lives on the heap with the
	// state, since any slice handed to a hash.Hash escapes.
	in := binary.AppendUvarint(st.in[:0], uint64(len(bucket)))
	in = append(in, bucket...)
	in = append(in, key...)
	st.mac.Write(in)
	sum := st.mac.Sum(st.sum[:0])
	st.mac.Reset()
	dst = hex.AppendEncode(dst, sum)
	clear(in)
	if cap(in) <= maxNamerInput {
		st.in = in[:0]
	} else {
		st.in = nil
	}
	n.macs.Put(st)
	return dst
}

// namerState is a keyed HMAC with the scratch memory one name needs.
type namerState struct {
	mac hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

// maxNamerInput bounds the input buffer a pooled namerState keeps.
const maxNamerInput = 4 << 10
