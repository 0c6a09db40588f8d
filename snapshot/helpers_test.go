package snapshot

import (
	"bytes"
	"context"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixedKey is a key made of one repeated byte, so that seeds written once
// keep opening.
func fixedKey(t testing.TB, b byte) crypto.Key {
	t.Helper()
	k, err := crypto.NewKey(bytes.Repeat([]byte{b}, crypto.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func fixedRing(t testing.TB, id uint32, b byte) *crypto.Keyring {
	t.Helper()
	r, err := crypto.NewKeyring(crypto.AES256GCM, id, fixedKey(t, b))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sealedOpts are the options most tests write and restore with.
func sealedOpts[V any](t testing.TB) Options[string, V] {
	return Options[string, V]{Keyring: fixedRing(t, 1, 0x11), NameKey: fixedKey(t, 0x22), Name: "test-store"}
}

func newStore[K comparable, V any](t testing.TB) *livedict.Store[K, V] {
	t.Helper()
	s, err := livedict.New[K, V](nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// write snapshots s with opts and returns the bytes.
func write[K comparable, V any](t testing.TB, s *livedict.Store[K, V], opts Options[K, V]) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(context.Background(), &buf, s, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// restore restores data into a fresh store and returns it with the error.
func restore[V any](t testing.TB, data []byte, opts Options[string, V]) (*livedict.Store[string, V], Stats, error) {
	t.Helper()
	s := newStore[string, V](t)
	st, err := Restore(context.Background(), bytes.NewReader(data), s, opts)
	return s, st, err
}

// smallStore is a store with a few entries in three buckets.
func smallStore(t testing.TB) *livedict.Store[string, string] {
	t.Helper()
	s := newStore[string, string](t)
	s.Set("a", "alpha", livedict.NoExpiry)
	s.Bucket("x").Set("b", "beta", livedict.NoExpiry)
	s.Bucket("x").Set("c", "gamma", livedict.NoExpiry)
	s.Bucket("y").Set("d", "delta", livedict.NoExpiry)
	return s
}

// frameSpan is where one frame lies in a snapshot.
type frameSpan struct {
	typ        byte
	start, end int
}

// frames splits an untampered snapshot into its frames.
func frames(t testing.TB, data []byte) []frameSpan {
	t.Helper()
	var out []frameSpan
	for p := len(magic) + 1; p < len(data); {
		n := int(uint32(data[p+1])<<24 | uint32(data[p+2])<<16 | uint32(data[p+3])<<8 | uint32(data[p+4]))
		end := p + headSize + n + tagSize
		out = append(out, frameSpan{typ: data[p], start: p, end: end})
		p = end
	}
	return out
}
