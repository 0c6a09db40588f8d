package crypto

import (
	"errors"
	"strconv"
)

// Algorithm identifies the AEAD a [Keyring] seals with. Its value is written
// into every blob.
type Algorithm uint8

const (
	// AES256GCM is AES-256 in Galois/Counter Mode with random 96-bit nonces.
	AES256GCM Algorithm = 1
	// XChaCha20Poly1305 is XChaCha20-Poly1305 with random 192-bit nonces.
	XChaCha20Poly1305 Algorithm = 2
)

// String returns the conventional name of the algorithm.
func (a Algorithm) String() string {
	switch a {
	case AES256GCM:
		return "AES-256-GCM"
	case XChaCha20Poly1305:
		return "XChaCha20-Poly1305"
	}
	return "Algorithm(" + strconv.Itoa(int(a)) + ")"
}

// nonceSize returns the nonce length stored in a blob, or 0 for an unknown
// algorithm.
func (a Algorithm) nonceSize() int {
	switch a {
	case AES256GCM:
		return 12
	case XChaCha20Poly1305:
		return 24
	}
	return 0
}

// Sentinel errors. Errors returned by this package wrap one of these where one
// applies; test with errors.Is.
var (
	// ErrMalformed reports a blob with a bad version, algorithm or length.
	ErrMalformed = errors.New("crypto: malformed blob")
	// ErrUnknownKey reports a key id that the keyring does not hold.
	ErrUnknownKey = errors.New("crypto: unknown key id")
	// ErrOpen reports a blob that failed authentication: it was altered, sealed
	// under another key, or sealed for another binding or expiry.
	ErrOpen = errors.New("crypto: cannot open blob")
	// ErrBadKey reports key material that cannot be used: wrong length, bad
	// encoding, or a missing environment variable or file.
	ErrBadKey = errors.New("crypto: invalid key")
)
