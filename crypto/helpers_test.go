package crypto

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// algorithms lists every algorithm the tests cover.
var algorithms = []Algorithm{AES256GCM, XChaCha20Poly1305}

// fixedKey returns a deterministic key whose bytes all equal seed+i.
func fixedKey(t testing.TB, seed byte) Key {
	t.Helper()
	b := make([]byte, KeySize)
	for i := range b {
		b[i] = seed + byte(i)
	}
	k, err := NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRing(t testing.TB, alg Algorithm, id uint32, seed byte) *Keyring {
	t.Helper()
	r, err := NewKeyring(alg, id, fixedKey(t, seed))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var testBinding = Binding{Store: "s1", Bucket: "users", Key: []byte("alice")}

// leaksKey reports whether s contains k's bytes in a common text encoding.
func leaksKey(s string, k Key) bool {
	raw := k.raw()
	return bytes.Contains([]byte(s), raw[:]) || containsEncoded(s, raw[:])
}

// containsEncoded reports whether s holds b as hex (either case) or base64 in
// any of the four alphabets.
func containsEncoded(s string, b []byte) bool {
	needles := []string{
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		// Go syntax for a byte array or slice.
		fmt.Sprint(b), fmt.Sprintf("%#v", b),
	}
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}
