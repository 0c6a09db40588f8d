package crypto

import (
	"bytes"
	"errors"
	"testing"
)

func TestNewHMAC(t *testing.T) {
	k1, _ := GenerateKey()
	k2, _ := GenerateKey()
	sum := func(k Key, salt []byte, info string) []byte {
		t.Helper()
		m, err := NewHMAC(k, salt, info)
		if err != nil {
			t.Fatal(err)
		}
		m.Write([]byte("data"))
		return m.Sum(nil)
	}
	base := sum(k1, []byte("salt"), "test v1")
	if !bytes.Equal(base, sum(k1, []byte("salt"), "test v1")) {
		t.Error("the same secret, salt and info give different HMACs")
	}
	for name, other := range map[string][]byte{
		"another key":  sum(k2, []byte("salt"), "test v1"),
		"another salt": sum(k1, []byte("salt2"), "test v1"),
		"another info": sum(k1, []byte("salt"), "test v2"),
	} {
		if bytes.Equal(base, other) {
			t.Errorf("%s gives the same HMAC", name)
		}
	}
	if _, err := NewHMAC(Key{}, nil, "test v1"); !errors.Is(err, ErrBadKey) {
		t.Errorf("zero key: err = %v, want ErrBadKey", err)
	}
	if _, err := NewHMAC(k1, nil, nameInfo); !errors.Is(err, ErrBadKey) {
		t.Errorf("the Namer's info: err = %v, want ErrBadKey", err)
	}
}
