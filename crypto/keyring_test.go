package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	exp := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, alg := range algorithms {
		for _, tc := range []struct {
			name      string
			plaintext []byte
			expireAt  time.Time
		}{
			{"empty", nil, time.Time{}},
			{"empty/expiry", []byte{}, exp},
			{"small", []byte("hello"), time.Time{}},
			{"1MiB", big, time.Time{}},
			{"1MiB/expiry", big, exp},
		} {
			t.Run(alg.String()+"/"+tc.name, func(t *testing.T) {
				r := newRing(t, alg, 7, 1)
				prefix := []byte("prefix")
				blob, err := r.Seal(prefix, tc.plaintext, testBinding, tc.expireAt)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(blob, prefix) {
					t.Fatal("Seal did not append to dst")
				}
				blob = blob[len(prefix):]
				wantLen := headerSize + alg.nonceSize() + len(tc.plaintext) + tagSize
				if len(blob) != wantLen {
					t.Fatalf("blob length %d, want %d", len(blob), wantLen)
				}
				if blob[0] != 1 || Algorithm(blob[1]) != alg {
					t.Fatalf("header % x", blob[:2])
				}
				pt, gotExp, id, err := r.Open([]byte("x"), blob, testBinding)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(pt, append([]byte("x"), tc.plaintext...)) {
					t.Fatal("plaintext mismatch")
				}
				if !gotExp.Equal(tc.expireAt) || gotExp.IsZero() != tc.expireAt.IsZero() {
					t.Fatalf("expiry %v, want %v", gotExp, tc.expireAt)
				}
				if id != 7 {
					t.Fatalf("key id %d, want 7", id)
				}
				if r.Seals(7) != 1 {
					t.Fatalf("Seals(7) = %d, want 1", r.Seals(7))
				}
			})
		}
	}
}

func TestSealBadExpiry(t *testing.T) {
	r := newRing(t, AES256GCM, 1, 1)
	for _, tc := range []struct {
		name string
		at   time.Time
	}{
		{"epoch", time.Unix(0, 0)},
		{"before epoch", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"after 2262", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.Seal(nil, []byte("x"), testBinding, tc.at); err == nil {
				t.Fatal("Seal accepted an unstorable expiry")
			}
		})
	}
}

// openErr opens blob and fails the test if it succeeds.
func openErr(t *testing.T, r *Keyring, blob []byte, b Binding) error {
	t.Helper()
	pt, _, _, err := r.Open(nil, blob, b)
	if err == nil {
		t.Fatal("Open succeeded on a bad blob")
	}
	if pt != nil {
		t.Fatal("Open returned plaintext with an error")
	}
	if !strings.HasPrefix(err.Error(), "crypto: ") {
		t.Fatalf("error %q lacks the crypto: prefix", err)
	}
	return err
}

func TestTamper(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			r := newRing(t, alg, 1, 1)
			plaintext := []byte("secret value")
			blob, err := r.Seal(nil, plaintext, testBinding, time.Unix(2000000000, 0))
			if err != nil {
				t.Fatal(err)
			}

			t.Run("bit flips", func(t *testing.T) {
				for i := range len(blob) * 8 {
					bad := bytes.Clone(blob)
					bad[i/8] ^= 1 << (i % 8)
					err := openErr(t, r, bad, testBinding)
					ok := errors.Is(err, ErrOpen) || errors.Is(err, ErrMalformed) ||
						// Flipping a key id bit names a key the ring lacks.
						(i/8 >= 2 && i/8 < 6 && errors.Is(err, ErrUnknownKey))
					if !ok {
						t.Fatalf("bit %d: unexpected error %v", i, err)
					}
					if strings.Contains(err.Error(), string(plaintext)) {
						t.Fatalf("bit %d: error leaks plaintext", i)
					}
				}
			})

			t.Run("truncation", func(t *testing.T) {
				for n := range len(blob) {
					err := openErr(t, r, blob[:n], testBinding)
					if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrOpen) {
						t.Fatalf("length %d: unexpected error %v", n, err)
					}
				}
			})

			t.Run("expiry edit", func(t *testing.T) {
				for _, exp := range []uint64{0, 1, 2000000001 * 1e9} {
					bad := bytes.Clone(blob)
					for i := range 8 {
						bad[6+i] = byte(exp >> (56 - 8*i))
					}
					if err := openErr(t, r, bad, testBinding); !errors.Is(err, ErrOpen) {
						t.Fatalf("expiry %d: got %v, want ErrOpen", exp, err)
					}
				}
			})

			t.Run("binding", func(t *testing.T) {
				for _, tc := range []struct {
					name string
					b    Binding
				}{
					{"store", Binding{Store: "s2", Bucket: "users", Key: []byte("alice")}},
					{"bucket", Binding{Store: "s1", Bucket: "admins", Key: []byte("alice")}},
					{"key", Binding{Store: "s1", Bucket: "users", Key: []byte("bob")}},
					{"shifted boundary", Binding{Store: "s1u", Bucket: "sers", Key: []byte("alice")}},
					{"empty", Binding{}},
				} {
					t.Run(tc.name, func(t *testing.T) {
						if err := openErr(t, r, blob, tc.b); !errors.Is(err, ErrOpen) {
							t.Fatalf("got %v, want ErrOpen", err)
						}
					})
				}
			})

			t.Run("unknown key id", func(t *testing.T) {
				other := newRing(t, alg, 2, 1)
				if err := openErr(t, other, blob, testBinding); !errors.Is(err, ErrUnknownKey) {
					t.Fatalf("got %v, want ErrUnknownKey", err)
				}
			})

			t.Run("wrong key", func(t *testing.T) {
				other := newRing(t, alg, 1, 99)
				if err := openErr(t, other, blob, testBinding); !errors.Is(err, ErrOpen) {
					t.Fatalf("got %v, want ErrOpen", err)
				}
			})

			t.Run("other algorithm", func(t *testing.T) {
				otherAlg := AES256GCM
				if alg == AES256GCM {
					otherAlg = XChaCha20Poly1305
				}
				other := newRing(t, otherAlg, 1, 1)
				if err := openErr(t, other, blob, testBinding); !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %v, want ErrMalformed", err)
				}
			})
		})
	}
}

func TestRotation(t *testing.T) {
	const n = 10000
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			r := newRing(t, alg, 1, 1)
			binding := func(i int) Binding {
				return Binding{Store: "s", Bucket: "b", Key: fmt.Appendf(nil, "k%d", i)}
			}
			blobs := make([][]byte, 0, 2*n)
			seal := func(i int) {
				blob, err := r.Seal(nil, fmt.Appendf(nil, "v%d", i), binding(i), time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				blobs = append(blobs, blob)
			}
			for i := range n {
				seal(i)
			}
			if err := r.Add(2, fixedKey(t, 2)); err != nil {
				t.Fatal(err)
			}
			if err := r.SetPrimary(2); err != nil {
				t.Fatal(err)
			}
			for i := n; i < 2*n; i++ {
				seal(i)
			}
			if got := r.Seals(1); got != n {
				t.Fatalf("Seals(1) = %d, want %d", got, n)
			}
			for i, blob := range blobs {
				re, err := r.Reseal(nil, blob, binding(i))
				if err != nil {
					t.Fatalf("blob %d: %v", i, err)
				}
				blobs[i] = re
			}
			if got := r.Seals(2); got != 2*n {
				t.Fatalf("Seals(2) = %d, want %d", got, 2*n)
			}
			if err := r.Remove(1); err != nil {
				t.Fatal(err)
			}
			for i, blob := range blobs {
				pt, _, id, err := r.Open(nil, blob, binding(i))
				if err != nil {
					t.Fatalf("blob %d: %v", i, err)
				}
				if id != 2 || string(pt) != fmt.Sprintf("v%d", i) {
					t.Fatalf("blob %d: id %d plaintext %q", i, id, pt)
				}
			}
		})
	}
}

func TestResealKeepsExpiry(t *testing.T) {
	r := newRing(t, AES256GCM, 1, 1)
	exp := time.Unix(1900000000, 123)
	blob, err := r.Seal(nil, []byte("v"), testBinding, exp)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Add(2, fixedKey(t, 2)); err != nil {
		t.Fatal(err)
	}
	if err := r.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	re, err := r.Reseal(nil, blob, testBinding)
	if err != nil {
		t.Fatal(err)
	}
	_, got, id, err := r.Open(nil, re, testBinding)
	if err != nil || id != 2 || !got.Equal(exp) {
		t.Fatalf("Open after Reseal: id %d expiry %v err %v", id, got, err)
	}
	if _, err := r.Reseal(nil, blob, Binding{}); !errors.Is(err, ErrOpen) {
		t.Fatalf("Reseal with wrong binding: %v, want ErrOpen", err)
	}
}

func TestKeyringManagement(t *testing.T) {
	r := newRing(t, XChaCha20Poly1305, 1, 1)
	steps := []struct {
		name    string
		do      func() error
		wantErr error // nil: must succeed; errAny: any error
	}{
		{"add 2", func() error { return r.Add(2, fixedKey(t, 2)) }, nil},
		{"add 2 again, same key", func() error { return r.Add(2, fixedKey(t, 2)) }, nil},
		{"add 2, other key", func() error { return r.Add(2, fixedKey(t, 3)) }, errAny},
		{"add zero Key", func() error { return r.Add(3, Key{}) }, ErrBadKey},
		{"primary unknown", func() error { return r.SetPrimary(9) }, ErrUnknownKey},
		{"remove primary", func() error { return r.Remove(1) }, errAny},
		{"remove unknown", func() error { return r.Remove(9) }, ErrUnknownKey},
		{"primary 2", func() error { return r.SetPrimary(2) }, nil},
		{"remove 1", func() error { return r.Remove(1) }, nil},
	}
	for _, s := range steps {
		err := s.do()
		switch {
		case s.wantErr == nil && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case s.wantErr != nil && err == nil:
			t.Fatalf("%s: no error", s.name)
		case s.wantErr != nil && s.wantErr != errAny && !errors.Is(err, s.wantErr):
			t.Fatalf("%s: got %v, want %v", s.name, err, s.wantErr)
		}
	}
	if r.Primary() != 2 {
		t.Fatalf("Primary() = %d", r.Primary())
	}
	if ids := r.IDs(); len(ids) != 1 || ids[0] != 2 {
		t.Fatalf("IDs() = %v", ids)
	}
	if got, want := r.String(), "crypto.Keyring(XChaCha20-Poly1305, primary 2, ids [2])"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if _, err := NewKeyring(Algorithm(9), 1, fixedKey(t, 1)); err == nil {
		t.Fatal("NewKeyring accepted an unknown algorithm")
	}
	if _, err := NewKeyring(AES256GCM, 1, Key{}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewKeyring with zero Key: %v", err)
	}
}

var errAny = errors.New("any error")

func TestNeedsRotation(t *testing.T) {
	r := newRing(t, AES256GCM, 1, 1)
	if r.NeedsRotation() {
		t.Fatal("fresh keyring needs rotation")
	}
	r.keys[1].seals.Store(RotationThreshold + 1)
	if !r.NeedsRotation() {
		t.Fatal("keyring past the threshold does not need rotation")
	}
	if err := r.Add(2, fixedKey(t, 2)); err != nil {
		t.Fatal(err)
	}
	if err := r.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	if r.NeedsRotation() {
		t.Fatal("new primary needs rotation")
	}
}

func TestConcurrent(t *testing.T) {
	r := newRing(t, AES256GCM, 1, 1)
	k2 := fixedKey(t, 2)
	done := make(chan error)
	for g := range 4 {
		go func() {
			done <- func() error {
				for i := range 200 {
					if g == 0 && i == 100 {
						if err := r.Add(2, k2); err != nil {
							return err
						}
						if err := r.SetPrimary(2); err != nil {
							return err
						}
					}
					blob, err := r.Seal(nil, []byte("v"), testBinding, time.Time{})
					if err != nil {
						return err
					}
					if _, _, _, err := r.Open(nil, blob, testBinding); err != nil {
						return err
					}
					_ = r.String()
				}
				return nil
			}()
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if total := r.Seals(1) + r.Seals(2); total != 800 {
		t.Fatalf("seal count %d, want 800", total)
	}
}
