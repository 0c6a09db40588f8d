package crypto

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// fuzzPlaintext is the only plaintext FuzzOpen's keyring ever sealed.
var fuzzPlaintext = []byte("fuzz plaintext")

// FuzzOpen feeds arbitrary bytes to Open. It must never panic, must fail with
// one of the package's sentinel errors, and may succeed only with the
// plaintext that was really sealed.
func FuzzOpen(f *testing.F) {
	for _, alg := range algorithms {
		r := newRing(f, alg, 1, 1)
		blob, err := r.Seal(nil, fuzzPlaintext, testBinding, time.Unix(1900000000, 0))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(alg), blob)
	}
	rings := map[Algorithm]*Keyring{}
	for _, alg := range algorithms {
		rings[alg] = newRing(f, alg, 1, 1)
	}
	f.Fuzz(func(t *testing.T, alg uint8, blob []byte) {
		r := rings[XChaCha20Poly1305]
		if alg%2 == 1 {
			r = rings[AES256GCM]
		}
		pt, _, _, err := r.Open(nil, blob, testBinding)
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrOpen) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !bytes.Equal(pt, fuzzPlaintext) {
			t.Fatalf("Open accepted a forged blob: %q", pt)
		}
	})
}
