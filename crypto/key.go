package crypto

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// KeySize is the length of a [Key] in bytes.
const KeySize = 32

const redacted = "crypto.Key(redacted)"

// Key is 32 bytes of secret key material. The zero Key is not a usable key;
// build one with [NewKey], [GenerateKey] or one of the KeyFrom functions.
// A Key never prints its bytes.
type Key struct {
	// b is the key XOR keyMask. fmt's fallback printing reads fields by
	// reflection without calling Format ("%p" of a Key value does), so
	// what it could show must not be the key. Keys with the same bytes
	// have the same b: == still compares keys.
	b  [KeySize]byte
	ok bool
}

// keyMask is drawn once per process; it never leaves it.
var keyMask = func() (m [KeySize]byte) {
	_, _ = rand.Read(m[:]) // crypto/rand.Read does not fail on supported platforms
	return m
}()

// NewKey returns a Key holding a copy of b, which must be 32 bytes long.
func NewKey(b []byte) (Key, error) {
	if len(b) != KeySize {
		return Key{}, fmt.Errorf("%w: want %d bytes, got %d", ErrBadKey, KeySize, len(b))
	}
	k := Key{ok: true}
	for i := range k.b {
		k.b[i] = b[i] ^ keyMask[i]
	}
	return k, nil
}

// GenerateKey returns a new random Key read from crypto/rand.
func GenerateKey() (Key, error) {
	// Random bytes XOR the mask are random bytes: the masked form is
	// read directly. crypto/rand.Read never fails on supported platforms;
	// the check is kept for the platforms where it could.
	k := Key{ok: true}
	if _, err := rand.Read(k.b[:]); err != nil {
		return Key{}, fmt.Errorf("crypto: generate key: %w", err)
	}
	return k, nil
}

// KeyFromHex decodes a Key from 64 hex digits. Surrounding white space is
// ignored. Errors never quote the input.
func KeyFromHex(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2*KeySize {
		return Key{}, fmt.Errorf("%w: hex: want %d digits, got %d", ErrBadKey, 2*KeySize, len(s))
	}
	var buf [KeySize]byte
	defer clear(buf[:])
	// The decoder's own error names the offending byte, which is part of
	// the secret, so it is dropped.
	if _, err := hex.Decode(buf[:], []byte(s)); err != nil {
		return Key{}, fmt.Errorf("%w: hex: not a hex string", ErrBadKey)
	}
	return NewKey(buf[:])
}

// base64Encodings lists the encodings KeyFromBase64 accepts, in the order
// tried.
var base64Encodings = []*base64.Encoding{
	base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
}

// KeyFromBase64 decodes a Key from base64 text in the standard or URL
// alphabet, padded or not. Surrounding white space is ignored. Errors never
// quote the input.
func KeyFromBase64(s string) (Key, error) {
	s = strings.TrimSpace(s)
	var buf [KeySize + 3]byte
	defer clear(buf[:])
	for _, enc := range base64Encodings {
		if enc.DecodedLen(len(s)) > len(buf) {
			continue
		}
		n, err := enc.Decode(buf[:], []byte(s))
		if err == nil && n == KeySize {
			return NewKey(buf[:n])
		}
	}
	return Key{}, fmt.Errorf("%w: base64: not %d bytes of base64", ErrBadKey, KeySize)
}

// keyFromText accepts 64 hex digits or base64 text.
func keyFromText(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		// 64 characters cannot be base64 of 32 bytes, so hex is the only
		// reading.
		return KeyFromHex(s)
	}
	return KeyFromBase64(s)
}

// KeyFromEnv reads a Key from the environment variable name, whose value is
// 64 hex digits or base64 (standard or URL alphabet, padded or not).
func KeyFromEnv(name string) (Key, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return Key{}, fmt.Errorf("%w: environment variable %s is not set", ErrBadKey, name)
	}
	k, err := keyFromText(v)
	if err != nil {
		return Key{}, fmt.Errorf("crypto: environment variable %s: %w", name, err)
	}
	return k, nil
}

// MaxKeyFileSize is the largest key file [KeyFromFile] reads: room for a
// key in hex or base64 with generous white space around it.
const MaxKeyFileSize = 4096

// KeyFromFile reads a Key from the file at path. A file of exactly 32 bytes is
// taken as raw key material; anything else must be hex or base64 text, with
// surrounding white space ignored. The file must be a regular file (a
// symbolic link to one is followed) of at most [MaxKeyFileSize] bytes: a
// FIFO, device, socket or directory is refused without being read or
// waited on, and a larger file without being read whole, each with an
// error matching [ErrBadKey].
func KeyFromFile(path string) (Key, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("%w: key file %s: %w", ErrBadKey, path, err)
	}
	defer clear(data)
	// No text encoding of 32 bytes is 32 characters long, so the two forms
	// cannot be confused.
	if len(data) == KeySize {
		return NewKey(data)
	}
	k, err := keyFromText(string(data))
	if err != nil {
		return Key{}, fmt.Errorf("crypto: key file %s: %w", path, err)
	}
	return k, nil
}

// readKeyFile returns the content of the regular file at path, refusing
// anything else and anything longer than MaxKeyFileSize.
func readKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%v)", fi.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Checked again on what was opened, in case the name was swapped.
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%v)", fi.Mode().Type())
	}
	if fi.Size() > MaxKeyFileSize {
		return nil, fmt.Errorf("%d bytes is more than the %d a key file may hold", fi.Size(), MaxKeyFileSize)
	}
	buf := make([]byte, MaxKeyFileSize+1)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		clear(buf)
		return nil, err
	}
	if n > MaxKeyFileSize {
		clear(buf)
		return nil, fmt.Errorf("the file grew past the %d bytes a key file may hold", MaxKeyFileSize)
	}
	return buf[:n], nil
}

// String returns "crypto.Key(redacted)".
func (Key) String() string { return redacted }

// GoString returns "crypto.Key(redacted)", so %#v hides the key too.
func (Key) GoString() string { return redacted }

// Format writes "crypto.Key(redacted)" for every verb, so no fmt verb
// (%x included) prints the key.
func (Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// raw returns the key's bytes, all zero for the zero Key. Callers clear
// the copy when done.
func (k Key) raw() (out [KeySize]byte) {
	if !k.ok {
		return out
	}
	for i := range out {
		out[i] = k.b[i] ^ keyMask[i]
	}
	return out
}

// equal compares two keys in constant time.
func (k Key) equal(o Key) bool {
	return k.ok == o.ok && subtle.ConstantTimeCompare(k.b[:], o.b[:]) == 1
}

// ExposeSecret returns a copy of the key's 32 bytes, or nil for the zero
// Key. It is the one way to get key material out of a Key, named so that
// no call is an accident: use it to hand the key to another system, and
// clear the slice when done. To keep a key on disk, prefer [WriteKeyFile].
// Printing a Key still shows no byte of it.
func (k Key) ExposeSecret() []byte {
	if !k.ok {
		return nil
	}
	out := make([]byte, KeySize)
	for i := range out {
		out[i] = k.b[i] ^ keyMask[i]
	}
	return out
}
