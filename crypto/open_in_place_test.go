package crypto

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestOpenInPlace checks that OpenInPlace gives what Open gives, with the
// plaintext inside the blob's memory, and that it rejects what Open
// rejects: a flipped bit anywhere, or another binding.
func TestOpenInPlace(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, alg := range algorithms {
		for _, plaintext := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte("0123456789abcdef"), 4096)} {
			t.Run(alg.String(), func(t *testing.T) {
				r := newRing(t, alg, 7, 1)
				blob, err := r.Seal(nil, plaintext, testBinding, exp)
				if err != nil {
					t.Fatal(err)
				}
				// Every byte of the header, nonce and tag, and about a
				// hundred of the ciphertext.
				step := max(1, len(blob)/100)
				for i := 0; i < len(blob); i++ {
					if i > headerSize+alg.nonceSize() && i < len(blob)-tagSize && i%step != 0 {
						continue
					}
					bad := bytes.Clone(blob)
					bad[i] ^= 1
					if _, _, _, err := r.OpenInPlace(bad, testBinding); err == nil {
						t.Fatalf("OpenInPlace accepted a blob with byte %d flipped", i)
					}
				}
				other := testBinding
				other.Bucket += "x"
				if _, _, _, err := r.OpenInPlace(bytes.Clone(blob), other); !errors.Is(err, ErrOpen) {
					t.Fatalf("another binding: %v, want ErrOpen", err)
				}
				pt, gotExp, id, err := r.OpenInPlace(blob, testBinding)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(pt, plaintext) || !gotExp.Equal(exp) || id != 7 {
					t.Fatalf("got %d bytes, expiry %v, key %d", len(pt), gotExp, id)
				}
				if len(pt) > 0 && (&pt[0] != &blob[headerSize] && &pt[0] != &blob[headerSize+alg.nonceSize()]) {
					t.Fatal("the plaintext is not in the blob's memory")
				}
			})
		}
	}
}

// TestOpenInPlaceMalformed checks the errors for blobs that do not parse.
func TestOpenInPlaceMalformed(t *testing.T) {
	r := newRing(t, AES256GCM, 1, 1)
	for _, blob := range [][]byte{nil, {1}, make([]byte, headerSize+12+tagSize-1)} {
		if _, _, _, err := r.OpenInPlace(blob, testBinding); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d bytes: %v, want ErrMalformed", len(blob), err)
		}
	}
	blob, err := r.Seal(nil, []byte("x"), testBinding, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	blob[2] ^= 0xff // another key id
	if _, _, _, err := r.OpenInPlace(blob, testBinding); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key id: %v, want ErrUnknownKey", err)
	}
}
