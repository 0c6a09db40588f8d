package fleet

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Redis keys have the form
//
//	"ld:f:" Name ":" storage-name
//
// where the storage name is, with a Keyring, 64 hex digits of a keyed hash
// of Name and the encoded key ([crypto.Namer]); without, the encoded key in
// unpadded base64url. Neither alphabet holds ':', so the keys of a Name
// "a" are told from those of a Name "a:b" (which also start with "ld:f:a:")
// by the rest holding no ':'. There are no hash tags: keys spread over a
// cluster's slots.
const keyPrefix = "ld:f:"

var b64 = base64.RawURLEncoding.Strict()

// storageName returns the storage name of key.
func (m *Map[K, V]) storageName(key K) (string, error) {
	var buf [128]byte
	kb, err := m.opts.KeyCodec.EncodeKey(buf[:0], key)
	if err != nil {
		return "", fmt.Errorf("fleet: encode key: %w", err)
	}
	if m.namer != nil {
		var nb [64]byte
		return string(m.namer.AppendName(nb[:0], m.opts.Name, kb)), nil
	}
	return b64.EncodeToString(kb), nil
}

// ours reports whether rest, a Redis key with the prefix cut off, is a
// storage name of this Map's form.
func (m *Map[K, V]) ours(rest string) bool {
	if rest == "" || strings.IndexByte(rest, ':') >= 0 {
		return false
	}
	if m.namer != nil {
		return len(rest) == 64
	}
	return true
}
