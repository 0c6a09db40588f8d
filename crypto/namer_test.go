package crypto

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestNamer(t *testing.T) {
	secret := fixedKey(t, 5)
	n := NewNamer(secret)
	base := n.Name("users", []byte("alice"))
	if len(base) != 64 || strings.ToLower(base) != base {
		t.Fatalf("name %q is not 64 lowercase hex digits", base)
	}
	if _, err := hex.DecodeString(base); err != nil {
		t.Fatal(err)
	}
	if NewNamer(secret).Name("users", []byte("alice")) != base {
		t.Fatal("Name is not deterministic")
	}
	for _, tc := range []struct {
		name   string
		namer  *Namer
		bucket string
		key    []byte
	}{
		{"other key", n, "users", []byte("bob")},
		{"other bucket", n, "admins", []byte("alice")},
		{"shifted boundary", n, "usersa", []byte("lice")},
		{"other secret", NewNamer(fixedKey(t, 6)), "users", []byte("alice")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.namer.Name(tc.bucket, tc.key)
			if got == base {
				t.Fatal("distinct inputs gave the same name")
			}
			if strings.Contains(got, hex.EncodeToString(tc.key)) || strings.Contains(got, string(tc.key)) {
				t.Fatal("name reveals the key")
			}
		})
	}
}
