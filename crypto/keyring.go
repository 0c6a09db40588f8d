package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// RotationThreshold is the number of seals under one key after which
// [Keyring.NeedsRotation] reports true. It is 2^30, a quarter of the 2^32
// messages NIST allows per key with random 96-bit AES-GCM nonces, leaving room
// for the time a rotation takes.
const RotationThreshold uint64 = 1 << 30

const (
	blobVersion = 1
	headerSize  = 1 + 1 + 4 + 8
	tagSize     = 16
)

// entry is one key of a keyring with its ready-made AEAD.
type entry struct {
	// key is held behind a pointer: fmt dereferences at most one pointer
	// of a value it prints without its methods (a Keyring printed by
	// value reaches entry that way), so the key's bytes stay unprinted.
	key   *Key
	aead  cipher.AEAD
	seals atomic.Uint64
}

// Keyring maps key ids to keys for one [Algorithm]. The primary key seals;
// every key opens. A Keyring is safe for concurrent use.
type Keyring struct {
	alg Algorithm

	mu      sync.RWMutex
	primary uint32
	keys    map[uint32]*entry
}

// NewKeyring returns a keyring for alg holding primary under primaryID, which
// becomes the primary key.
func NewKeyring(alg Algorithm, primaryID uint32, primary Key) (*Keyring, error) {
	if alg.nonceSize() == 0 {
		return nil, fmt.Errorf("crypto: unsupported algorithm %d", uint8(alg))
	}
	e, err := newEntry(alg, primary)
	if err != nil {
		return nil, err
	}
	return &Keyring{alg: alg, primary: primaryID, keys: map[uint32]*entry{primaryID: e}}, nil
}

// newEntry builds the AEAD for k once, so sealing and opening never redo the
// key schedule.
func newEntry(alg Algorithm, k Key) (*entry, error) {
	if !k.ok {
		return nil, fmt.Errorf("%w: zero Key value", ErrBadKey)
	}
	var aead cipher.AEAD
	raw := k.raw()
	defer clear(raw[:])
	switch alg {
	case AES256GCM:
		block, err := aes.NewCipher(raw[:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
		}
		aead, err = cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
		}
	case XChaCha20Poly1305:
		var err error
		aead, err = chacha20poly1305.NewX(raw[:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadKey, err)
		}
	}
	return &entry{key: &k, aead: aead}, nil
}

// Algorithm returns the algorithm the keyring seals and opens with.
func (r *Keyring) Algorithm() Algorithm { return r.alg }

// Add adds k under id. Adding the same key again under the same id is a no-op;
// adding a different key under an id in use is an error.
func (r *Keyring) Add(id uint32, k Key) error {
	e, err := newEntry(r.alg, k)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.keys[id]; ok {
		if old.key.equal(k) {
			return nil
		}
		return fmt.Errorf("crypto: key id %d already holds a different key", id)
	}
	r.keys[id] = e
	return nil
}

// SetPrimary makes the key under id the one that seals. The id must be in the
// keyring.
func (r *Keyring) SetPrimary(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.keys[id]; !ok {
		return fmt.Errorf("%w %d", ErrUnknownKey, id)
	}
	r.primary = id
	return nil
}

// Remove drops the key under id; blobs sealed under it no longer open. The
// primary cannot be removed.
func (r *Keyring) Remove(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.keys[id]; !ok {
		return fmt.Errorf("%w %d", ErrUnknownKey, id)
	}
	if id == r.primary {
		return fmt.Errorf("crypto: cannot remove primary key id %d", id)
	}
	delete(r.keys, id)
	return nil
}

// Primary returns the id of the key that seals.
func (r *Keyring) Primary() uint32 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.primary
}

// IDs returns the ids in the keyring in ascending order.
func (r *Keyring) IDs() []uint32 {
	r.mu.RLock()
	ids := make([]uint32, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	r.mu.RUnlock()
	slices.Sort(ids)
	return ids
}

// Seals returns how many blobs this keyring has sealed under id, or 0 for an id
// it does not hold. The count starts at zero when the key is added; it is not
// persisted.
func (r *Keyring) Seals(id uint32) uint64 {
	r.mu.RLock()
	e := r.keys[id]
	r.mu.RUnlock()
	if e == nil {
		return 0
	}
	return e.seals.Load()
}

// NeedsRotation reports whether the primary key has sealed more than
// [RotationThreshold] blobs, so a new primary should be added and the stored
// blobs resealed.
func (r *Keyring) NeedsRotation() bool {
	return r.Seals(r.Primary()) > RotationThreshold
}

// String describes the keyring by algorithm and key ids; it never shows keys.
func (r *Keyring) String() string {
	ids := r.IDs()
	var b strings.Builder
	fmt.Fprintf(&b, "crypto.Keyring(%s, primary %d, ids [", r.alg, r.Primary())
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d", id)
	}
	b.WriteString("])")
	return b.String()
}

// Binding names the place a blob belongs to. It becomes part of the additional
// authenticated data, so a blob opens only under the binding it was sealed
// with.
type Binding struct {
	// Store names the store, so blobs do not move between stores.
	Store string
	// Bucket names the bucket within the store.
	Bucket string
	// Key is the entry's key.
	Key []byte
}

// adBuffers holds buffers for additional data: the AEAD interface makes a
// stack buffer escape, and Seal and Open run once per persisted value.
var adBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func putAD(b *[]byte) {
	if cap(*b) <= 4096 {
		adBuffers.Put(b)
	}
}

// additionalData appends the header followed by the length-prefixed
// binding to dst.
func additionalData(dst, header []byte, b Binding) []byte {
	ad := append(dst, header...)
	ad = binary.AppendUvarint(ad, uint64(len(b.Store)))
	ad = append(ad, b.Store...)
	ad = binary.AppendUvarint(ad, uint64(len(b.Bucket)))
	ad = append(ad, b.Bucket...)
	ad = binary.AppendUvarint(ad, uint64(len(b.Key)))
	ad = append(ad, b.Key...)
	return ad
}

// Seal encrypts plaintext under the primary key for binding b and appends the
// blob to dst. A zero expireAt means no expiry; any other expireAt must lie
// after the Unix epoch and within the range of Unix nanoseconds in an int64
// (up to year 2262). The expiry is stored in the clear but authenticated. dst
// must not overlap plaintext.
func (r *Keyring) Seal(dst, plaintext []byte, b Binding, expireAt time.Time) ([]byte, error) {
	exp, err := expiryNanos(expireAt)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	id, e := r.primary, r.keys[r.primary]
	r.mu.RUnlock()
	return r.seal(dst, plaintext, b, exp, id, e)
}

// maxExpiry is the latest time whose Unix nanoseconds fit in an int64.
var maxExpiry = time.Unix(0, math.MaxInt64)

func expiryNanos(t time.Time) (uint64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Unix() <= 0 || t.After(maxExpiry) {
		return 0, fmt.Errorf("crypto: expiry %s outside the storable range", t.UTC().Format(time.RFC3339))
	}
	return uint64(t.UnixNano()), nil
}

func (r *Keyring) seal(dst, plaintext []byte, b Binding, exp uint64, id uint32, e *entry) ([]byte, error) {
	var header [headerSize]byte
	header[0] = blobVersion
	header[1] = byte(r.alg)
	binary.BigEndian.PutUint32(header[2:6], id)
	binary.BigEndian.PutUint64(header[6:14], exp)
	adBuf := adBuffers.Get().(*[]byte)
	defer putAD(adBuf)
	ad := additionalData((*adBuf)[:0], header[:], b)
	*adBuf = ad

	out := slices.Grow(dst, headerSize+r.alg.nonceSize()+len(plaintext)+tagSize)
	out = append(out, header[:]...)
	switch r.alg {
	case AES256GCM:
		// This AEAD draws the nonce itself and writes it ahead of the
		// ciphertext, which is exactly where the blob keeps it.
		out = e.aead.Seal(out, nil, plaintext, ad)
	case XChaCha20Poly1305:
		var nonce [chacha20poly1305.NonceSizeX]byte
		if _, err := rand.Read(nonce[:]); err != nil {
			return nil, fmt.Errorf("crypto: read nonce: %w", err)
		}
		out = append(out, nonce[:]...)
		out = e.aead.Seal(out, nonce[:], plaintext, ad)
	}
	e.seals.Add(1)
	return out, nil
}

// Open authenticates and decrypts blob for binding b and appends the plaintext
// to dst. It also returns the expiry recorded in the blob (the zero Time for
// none) and the id of the key that sealed it. Open does not compare the expiry
// with the clock; that is the caller's decision.
//
// Errors wrap [ErrMalformed] for a blob that cannot be parsed,
// [ErrUnknownKey] for a key id the keyring does not hold, and [ErrOpen] when
// authentication fails. On error the plaintext is nil.
func (r *Keyring) Open(dst, blob []byte, b Binding) (plaintext []byte, expireAt time.Time, keyID uint32, err error) {
	pt, exp, id, err := r.open(dst, blob, b)
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	return pt, expiryTime(exp), id, nil
}

// OpenInPlace is [Keyring.Open] decrypting over blob itself, so that it
// needs no memory of its own: the plaintext it returns shares blob's
// memory, and on error blob's contents are lost (cleared or partly
// overwritten). It suits a blob read into memory the caller owns and
// will not read again, as a record returned by a backend's Get.
func (r *Keyring) OpenInPlace(blob []byte, b Binding) (plaintext []byte, expireAt time.Time, keyID uint32, err error) {
	pt, exp, id, err := r.openInPlace(blob, b)
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	return pt, expiryTime(exp), id, nil
}

func expiryTime(exp uint64) time.Time {
	if exp == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(exp))
}

func (r *Keyring) open(dst, blob []byte, b Binding) ([]byte, uint64, uint32, error) {
	return r.openInto(dst, false, blob, b)
}

func (r *Keyring) openInPlace(blob []byte, b Binding) ([]byte, uint64, uint32, error) {
	return r.openInto(nil, true, blob, b)
}

// openInto opens blob, appending the plaintext to dst, or writing it over
// the ciphertext when inPlace is set (and dst is unused). The AEADs
// decrypt in place when the output starts exactly where the ciphertext
// does: for AES-GCM with random nonces that is where the nonce starts (it
// moves the ciphertext down over it), for XChaCha20-Poly1305 after it.
func (r *Keyring) openInto(dst []byte, inPlace bool, blob []byte, b Binding) ([]byte, uint64, uint32, error) {
	ns := r.alg.nonceSize()
	if len(blob) < headerSize+ns+tagSize {
		return nil, 0, 0, fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(blob))
	}
	if blob[0] != blobVersion {
		return nil, 0, 0, fmt.Errorf("%w: unknown version %d", ErrMalformed, blob[0])
	}
	if Algorithm(blob[1]) != r.alg {
		return nil, 0, 0, fmt.Errorf("%w: algorithm %d, keyring uses %s", ErrMalformed, blob[1], r.alg)
	}
	id := binary.BigEndian.Uint32(blob[2:6])
	exp := binary.BigEndian.Uint64(blob[6:14])
	if exp > math.MaxInt64 {
		return nil, 0, 0, fmt.Errorf("%w: expiry out of range", ErrMalformed)
	}
	r.mu.RLock()
	e := r.keys[id]
	r.mu.RUnlock()
	if e == nil {
		return nil, 0, 0, fmt.Errorf("%w %d", ErrUnknownKey, id)
	}
	adBuf := adBuffers.Get().(*[]byte)
	defer putAD(adBuf)
	ad := additionalData((*adBuf)[:0], blob[:headerSize], b)
	*adBuf = ad
	body := blob[headerSize:]
	var pt []byte
	var err error
	switch r.alg {
	case AES256GCM:
		if inPlace {
			dst = body[:0]
		}
		pt, err = e.aead.Open(dst, nil, body, ad)
	case XChaCha20Poly1305:
		if inPlace {
			dst = body[ns:ns]
		}
		pt, err = e.aead.Open(dst, body[:ns], body[ns:], ad)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: key id %d", ErrOpen, id)
	}
	return pt, exp, id, nil
}

// Reseal opens blob under whichever key sealed it and seals it again under the
// primary key, keeping its binding and expiry, and appends the result to dst.
// A blob already under the primary is copied unchanged. Reseal is the step of
// a key rotation that moves stored blobs off an old key.
func (r *Keyring) Reseal(dst, blob []byte, b Binding) ([]byte, error) {
	pt, exp, id, err := r.open(nil, blob, b)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	r.mu.RLock()
	pid, e := r.primary, r.keys[r.primary]
	r.mu.RUnlock()
	if id == pid {
		return append(dst, blob...), nil
	}
	return r.seal(dst, pt, b, exp, pid, e)
}
