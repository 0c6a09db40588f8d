package fleet

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/livedict/livedict/crypto"
)

// A stored value is a 9-byte header followed by the payload:
//
//	byte 0     format, 1
//	bytes 1–8  the version token: random, so a key deleted and written
//	           again never gets back a version a read-modify-write saw
//	bytes 9–   the value as Codec wrote it, sealed under Keyring when set
//
// The scripts compare the whole header, so a version check also checks
// the format. The expiry is Redis's (PXAT); it is not in the value, so
// Touch changes it without rewriting the value.
const (
	valueFormat = 1
	headerLen   = 9
)

// bindingStore is the Store of every sealed value's binding, so a fleet
// value does not open as a value of any other LiveDict store.
const bindingStore = "livedict/fleet"

// newHeader returns a header with a fresh version token.
func newHeader() [headerLen]byte {
	var h [headerLen]byte
	h[0] = valueFormat
	binary.BigEndian.PutUint64(h[1:], rand.Uint64())
	return h
}

// encode returns the stored form of v under storage name sname, with a
// fresh version.
func (m *Map[K, V]) encode(sname string, v V) ([]byte, error) {
	h := newHeader()
	plain, err := m.opts.Codec.Encode(nil, v)
	if err != nil {
		return nil, fmt.Errorf("fleet: encode value: %w", err)
	}
	if m.opts.Keyring == nil {
		return append(h[:], plain...), nil
	}
	out, err := m.opts.Keyring.Seal(h[:], plain, m.binding(sname), zeroTime)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("fleet: seal value: %w", err)
	}
	return out, nil
}

func (m *Map[K, V]) binding(sname string) crypto.Binding {
	return crypto.Binding{Store: bindingStore, Bucket: m.opts.Name, Key: []byte(sname)}
}

// decode returns the value of stored, and its header.
func (m *Map[K, V]) decode(sname string, stored []byte) (V, string, error) {
	var zero V
	if len(stored) < headerLen || stored[0] != valueFormat {
		return zero, "", ErrCorrupt
	}
	header, payload := string(stored[:headerLen]), stored[headerLen:]
	if m.opts.Keyring != nil {
		plain, _, _, err := m.opts.Keyring.Open(nil, payload, m.binding(sname))
		if err != nil {
			return zero, "", fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		payload = plain
	}
	v, err := m.opts.Codec.Decode(payload)
	if err != nil {
		return zero, "", fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return v, header, nil
}
