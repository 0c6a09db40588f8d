package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
)

// NewHMAC returns an HMAC-SHA256 keyed with a key derived from secret by
// HKDF-SHA256 with salt and info, for authenticating data other than
// blobs (package snapshot chains one over every frame of a snapshot).
// Distinct info strings give independent keys, so a purpose gets an info
// string of its own; "livedict name v1", the [Namer]'s, is refused, so the
// HMAC never computes storage names. The derived key stays inside the
// returned hash.
//
// NewHMAC returns an error matching [ErrBadKey] for the zero Key or the
// Namer's info string.
func NewHMAC(secret Key, salt []byte, info string) (hash.Hash, error) {
	if !secret.ok {
		return nil, fmt.Errorf("%w: the zero Key cannot key an HMAC", ErrBadKey)
	}
	if info == nameInfo {
		return nil, fmt.Errorf("%w: info %q is reserved for names", ErrBadKey, nameInfo)
	}
	raw := secret.raw()
	defer clear(raw[:])
	k, err := hkdf.Key(sha256.New, raw[:], salt, info, sha256.Size)
	if err != nil {
		// HKDF-SHA256 fails only for outputs longer than 255*32 bytes.
		return nil, fmt.Errorf("crypto: derive HMAC key: %w", err)
	}
	return hmac.New(sha256.New, k), nil
}
