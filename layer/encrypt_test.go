package layer_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
)

// Fixed keys, so that the committed fuzz corpus holds blobs that open.
const (
	testKey1    = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	testKey2    = "f0e1d2c3b4a5968778695a4b3c2d1e0f0123456789abcdeffedcba9876543210"
	testNameKey = "6e616d65206b6579206f6620746865206c617965722074657374732c20333221"
)

func mustKey(t testing.TB, hex string) crypto.Key {
	t.Helper()
	k, err := crypto.KeyFromHex(hex)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newRing returns an AES-256-GCM keyring holding testKey1 under id 1.
func newRing(t testing.TB) *crypto.Keyring {
	t.Helper()
	r, err := crypto.NewKeyring(crypto.AES256GCM, 1, mustKey(t, testKey1))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func encryptOptions(t testing.TB, ring *crypto.Keyring) layer.EncryptOptions {
	return layer.EncryptOptions{Keyring: ring, NameKey: mustKey(t, testNameKey), Store: "test"}
}

// newEncrypted returns an EncryptStage over a fresh Memory, and the Memory.
func newEncrypted(t testing.TB, ring *crypto.Keyring) (*layer.EncryptStage, *store.Memory) {
	t.Helper()
	mem := store.NewMemory()
	enc, err := layer.NewEncryptStage(mem, encryptOptions(t, ring))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = enc.Close() })
	return enc, mem
}

// storedName is the name the layer files bucket and key under.
func storedName(t testing.TB, bucket, key string) []byte {
	return []byte(crypto.NewNamer(mustKey(t, testNameKey)).Name(bucket, []byte(key)))
}

func TestEncryptOptions(t *testing.T) {
	ring := newRing(t)
	for _, tc := range []struct {
		name string
		opts layer.EncryptOptions
		want error
	}{
		{"no keyring", layer.EncryptOptions{NameKey: mustKey(t, testNameKey)}, layer.ErrNoKeyring},
		{"no name key", layer.EncryptOptions{Keyring: ring}, layer.ErrNoNameKey},
		{"nothing", layer.EncryptOptions{}, layer.ErrNoKeyring},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if l, err := layer.Encrypt(tc.opts); !errors.Is(err, tc.want) || l != nil {
				t.Errorf("Encrypt = (%v, %v), want (nil, an error matching %v)", l != nil, err, tc.want)
			}
			if s, err := layer.NewEncryptStage(store.NewMemory(), tc.opts); !errors.Is(err, tc.want) || s != nil {
				t.Errorf("NewEncryptStage = (%v, %v), want (nil, an error matching %v)", s, err, tc.want)
			}
		})
	}
}

func TestEncryptConformance(t *testing.T) {
	aes := newRing(t)
	xchacha, err := crypto.NewKeyring(crypto.XChaCha20Poly1305, 7, mustKey(t, testKey2))
	if err != nil {
		t.Fatal(err)
	}
	for name, ring := range map[string]*crypto.Keyring{"AES256GCM": aes, "XChaCha20Poly1305": xchacha} {
		t.Run(name, func(t *testing.T) {
			l, err := layer.Encrypt(encryptOptions(t, ring))
			if err != nil {
				t.Fatal(err)
			}
			layertest.Run(t, l)
		})
	}
	t.Run("UnderCompress", func(t *testing.T) {
		l, err := layer.Encrypt(encryptOptions(t, aes))
		if err != nil {
			t.Fatal(err)
		}
		compress := layer.Compress(layer.CompressOptions{})
		layertest.Run(t, func(next store.Stage) store.Stage { return layer.Chain(next, compress, l) })
	})
}

// TestEncryptHidesKeysAndValues reads the backend directly: it must hold
// names and blobs, never the clear keys or values.
func TestEncryptHidesKeysAndValues(t *testing.T) {
	enc, mem := newEncrypted(t, newRing(t))
	ctx := t.Context()
	type kv struct{ bucket, key, value string }
	var written []kv
	for _, bucket := range []string{"", "users", "sessions"} {
		for i := range 50 {
			w := kv{bucket, fmt.Sprintf("secret-key-%s-%02d", bucket, i), fmt.Sprintf("secret-value-%s-%02d-%s", bucket, i, strings.Repeat("x", i))}
			written = append(written, w)
			if err := enc.Put(ctx, store.Record{Bucket: w.bucket, Key: []byte(w.key), Value: []byte(w.value)}); err != nil {
				t.Fatal(err)
			}
		}
		// A batch goes through the same sealing.
		var batch []store.Record
		for i := range 10 {
			w := kv{bucket, fmt.Sprintf("secret-batch-key-%s-%d", bucket, i), fmt.Sprintf("secret-batch-value-%d", i)}
			written = append(written, w)
			batch = append(batch, store.Record{Bucket: w.bucket, Key: []byte(w.key), Value: []byte(w.value)})
		}
		if err := enc.PutBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	stored := 0
	blobs := make(map[string]bool)
	for _, bucket := range []string{"", "users", "sessions"} {
		for r, err := range mem.Scan(ctx, bucket) {
			if err != nil {
				t.Fatal(err)
			}
			stored++
			if len(r.Key) != 64 || strings.Trim(string(r.Key), "0123456789abcdef") != "" {
				t.Errorf("backend key %q is not 64 lowercase hex digits", r.Key)
			}
			for _, b := range [][]byte{r.Key, r.Value} {
				if bytes.Contains(b, []byte("secret")) {
					t.Errorf("backend record of bucket %q holds clear text %q", bucket, b)
				}
			}
			if blobs[string(r.Value)] {
				t.Errorf("two records share one blob")
			}
			blobs[string(r.Value)] = true
		}
	}
	if stored != len(written) {
		t.Errorf("backend holds %d records, want %d", stored, len(written))
	}
	for _, w := range written {
		r, err := enc.Get(ctx, w.bucket, []byte(w.key))
		if err != nil || string(r.Value) != w.value || string(r.Key) != w.key || r.Bucket != w.bucket {
			t.Errorf("Get(%q, %q) = {%q, %q, %q}, %v; want the record written", w.bucket, w.key, r.Bucket, r.Key, r.Value, err)
		}
	}
}

// TestEncryptSameValueTwice checks that equal values do not give equal
// blobs, which would tell a reader of the backend that they are equal.
func TestEncryptSameValueTwice(t *testing.T) {
	enc, mem := newEncrypted(t, newRing(t))
	ctx := t.Context()
	var blobs [][]byte
	for range 2 {
		if err := enc.Put(ctx, store.Record{Key: []byte("k"), Value: []byte("same")}); err != nil {
			t.Fatal(err)
		}
		r, err := mem.Get(ctx, "", storedName(t, "", "k"))
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, r.Value)
	}
	if bytes.Equal(blobs[0], blobs[1]) {
		t.Error("the same value put twice under the same key gave the same blob")
	}
}

// tamperCase edits the backend behind an Encrypt layer that holds the
// records of putTamperFixture, and names the sentinels the Get of
// (bucket, key) must then match.
type tamperCase struct {
	name        string
	bucket, key string
	edit        func(t *testing.T, mem *store.Memory)
	want        []error
}

// Plain texts of the tamper fixture; no error may quote them.
var tamperValues = map[string]string{
	"b/alpha": "plaintext-of-alpha",
	"b/beta":  "plaintext-of-beta",
	"c/alpha": "plaintext-of-alpha-in-c",
}

var tamperExpiry = time.Now().Add(time.Hour)

func putTamperFixture(t *testing.T, s store.Stage) {
	ctx := t.Context()
	for _, r := range []store.Record{
		{Bucket: "b", Key: []byte("alpha"), Value: []byte(tamperValues["b/alpha"])},
		{Bucket: "b", Key: []byte("beta"), Value: []byte(tamperValues["b/beta"]), ExpireAt: tamperExpiry},
		{Bucket: "c", Key: []byte("alpha"), Value: []byte(tamperValues["c/alpha"])},
	} {
		if err := s.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

// raw reads the backend record of bucket and key.
func raw(t *testing.T, mem *store.Memory, bucket, key string) store.Record {
	t.Helper()
	r, err := mem.Get(t.Context(), bucket, storedName(t, bucket, key))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rewrite stores r in the backend under the name of bucket and key.
func rewrite(t *testing.T, mem *store.Memory, bucket, key string, r store.Record) {
	t.Helper()
	r.Bucket, r.Key = bucket, storedName(t, bucket, key)
	if err := mem.Put(t.Context(), r); err != nil {
		t.Fatal(err)
	}
}

// flipAt returns an edit that flips one bit of alpha's blob at offset i
// (counted from the end when negative).
func flipAt(i int) func(t *testing.T, mem *store.Memory) {
	return func(t *testing.T, mem *store.Memory) {
		r := raw(t, mem, "b", "alpha")
		if i < 0 {
			i += len(r.Value)
		}
		r.Value[i] ^= 1
		rewrite(t, mem, "b", "alpha", r)
	}
}

func TestEncryptTamper(t *testing.T) {
	corruptOpen := []error{layer.ErrCorrupt, crypto.ErrOpen}
	corruptMalformed := []error{layer.ErrCorrupt, crypto.ErrMalformed}
	cases := []tamperCase{
		{"flip version", "b", "alpha", flipAt(0), corruptMalformed},
		{"flip algorithm", "b", "alpha", flipAt(1), corruptMalformed},
		{"flip key id", "b", "alpha", flipAt(5), []error{crypto.ErrUnknownKey}},
		{"flip expiry", "b", "alpha", flipAt(13), corruptOpen},
		{"flip nonce", "b", "alpha", flipAt(14), corruptOpen},
		{"flip ciphertext", "b", "alpha", flipAt(26), corruptOpen},
		{"flip tag", "b", "alpha", flipAt(-1), corruptOpen},
		{"truncate", "b", "alpha", func(t *testing.T, mem *store.Memory) {
			r := raw(t, mem, "b", "alpha")
			r.Value = r.Value[:20]
			rewrite(t, mem, "b", "alpha", r)
		}, corruptMalformed},
		{"empty blob", "b", "alpha", func(t *testing.T, mem *store.Memory) {
			rewrite(t, mem, "b", "alpha", store.Record{})
		}, corruptMalformed},
		{"swap records between keys", "b", "alpha", func(t *testing.T, mem *store.Memory) {
			a, b := raw(t, mem, "b", "alpha"), raw(t, mem, "b", "beta")
			rewrite(t, mem, "b", "alpha", b)
			rewrite(t, mem, "b", "beta", a)
		}, corruptOpen},
		{"swap blobs between keys, expiries kept", "b", "beta", func(t *testing.T, mem *store.Memory) {
			a, b := raw(t, mem, "b", "alpha"), raw(t, mem, "b", "beta")
			a.Value, b.Value = b.Value, a.Value
			rewrite(t, mem, "b", "alpha", a)
			rewrite(t, mem, "b", "beta", b)
		}, corruptOpen},
		{"swap records between buckets", "c", "alpha", func(t *testing.T, mem *store.Memory) {
			b, c := raw(t, mem, "b", "alpha"), raw(t, mem, "c", "alpha")
			// Each blob moves under the name the other bucket's
			// layer would look up.
			rewrite(t, mem, "b", "alpha", c)
			rewrite(t, mem, "c", "alpha", b)
		}, corruptOpen},
		{"copy another bucket's record for the same key", "b", "alpha", func(t *testing.T, mem *store.Memory) {
			rewrite(t, mem, "b", "alpha", raw(t, mem, "c", "alpha"))
		}, corruptOpen},
		{"extend expiry", "b", "beta", func(t *testing.T, mem *store.Memory) {
			r := raw(t, mem, "b", "beta")
			r.ExpireAt = r.ExpireAt.Add(24 * time.Hour)
			rewrite(t, mem, "b", "beta", r)
		}, corruptOpen},
		{"remove expiry", "b", "beta", func(t *testing.T, mem *store.Memory) {
			r := raw(t, mem, "b", "beta")
			r.ExpireAt = time.Time{}
			rewrite(t, mem, "b", "beta", r)
		}, corruptOpen},
		{"add expiry", "b", "alpha", func(t *testing.T, mem *store.Memory) {
			r := raw(t, mem, "b", "alpha")
			r.ExpireAt = time.Now().Add(time.Hour)
			rewrite(t, mem, "b", "alpha", r)
		}, corruptOpen},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			enc, mem := newEncrypted(t, newRing(t))
			putTamperFixture(t, enc)
			tc.edit(t, mem)
			r, err := enc.Get(t.Context(), tc.bucket, []byte(tc.key))
			if err == nil {
				t.Fatalf("Get(%q, %q) after tampering = %q, want an error", tc.bucket, tc.key, r.Value)
			}
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Get(%q, %q) = %v, want an error matching %v", tc.bucket, tc.key, err, want)
				}
			}
			if r.Value != nil || r.Key != nil {
				t.Errorf("Get returned a record with an error: %+v", r)
			}
			noPlaintext(t, err)
			var scanErr error
			for _, err := range enc.Scan(t.Context(), tc.bucket) {
				if err != nil {
					scanErr = err
				}
			}
			if scanErr == nil {
				t.Errorf("Scan(%q) after tampering yielded no error", tc.bucket)
			}
			noPlaintext(t, scanErr)
		})
	}
	t.Run("blob from another store", func(t *testing.T) {
		ring := newRing(t)
		data := new(store.MemoryData)
		opts := encryptOptions(t, ring)
		first, err := layer.NewEncryptStage(store.NewMemoryShared(data), opts)
		if err != nil {
			t.Fatal(err)
		}
		putTamperFixture(t, first)
		opts.Store = "another store"
		second, err := layer.NewEncryptStage(store.NewMemoryShared(data), opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = second.Get(t.Context(), "b", []byte("alpha"))
		if !errors.Is(err, layer.ErrCorrupt) || !errors.Is(err, crypto.ErrOpen) {
			t.Errorf("Get through a layer for another store = %v, want an error matching ErrCorrupt and crypto.ErrOpen", err)
		}
		noPlaintext(t, err)
	})
}

func noPlaintext(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range tamperValues {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q quotes a value", err)
		}
	}
	if strings.Contains(err.Error(), "alpha") || strings.Contains(err.Error(), "beta") {
		t.Errorf("error %q quotes a key", err)
	}
}

// TestEncryptEnvelopeChecks seals envelopes by hand with the layer's own
// keys, as only a holder of the keyring could: blobs that authenticate but
// hold the wrong key or a bad envelope must still be refused.
func TestEncryptEnvelopeChecks(t *testing.T) {
	ring := newRing(t)
	envelope := func(key, value string) []byte {
		e := binary.AppendUvarint([]byte{1}, uint64(len(key)))
		return append(append(e, key...), value...)
	}
	for _, tc := range []struct {
		name      string
		plaintext []byte
		want      error
	}{
		{"valid", envelope("alpha", "v"), nil},
		{"another key", envelope("beta", "v"), crypto.ErrOpen},
		{"key that is a prefix", envelope("alph", "av"), crypto.ErrOpen},
		{"empty", nil, layer.ErrCorrupt},
		{"unknown version", append([]byte{2}, envelope("alpha", "v")[1:]...), layer.ErrCorrupt},
		{"key length past the end", append([]byte{1, 50}, "alpha"...), layer.ErrCorrupt},
		{"bad uvarint", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, layer.ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, mem := newEncrypted(t, ring)
			name := storedName(t, "b", "alpha")
			blob, err := ring.Seal(nil, tc.plaintext, crypto.Binding{Store: "test", Bucket: "b", Key: name}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if err := mem.Put(t.Context(), store.Record{Bucket: "b", Key: name, Value: blob}); err != nil {
				t.Fatal(err)
			}
			r, err := enc.Get(t.Context(), "b", []byte("alpha"))
			if tc.want == nil {
				if err != nil || string(r.Value) != "v" {
					t.Errorf("Get = (%q, %v), want the value", r.Value, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, layer.ErrCorrupt) {
				t.Errorf("Get = (%q, %v), want an error matching %v and ErrCorrupt", r.Value, err, tc.want)
			}
		})
	}
}

// TestEncryptNameKeyChanged reads records through a layer with another
// NameKey: Get cannot find them, and Scan refuses them rather than yield
// keys that Get, Put and Delete would then miss.
func TestEncryptNameKeyChanged(t *testing.T) {
	ring := newRing(t)
	data := new(store.MemoryData)
	first, err := layer.NewEncryptStage(store.NewMemoryShared(data), encryptOptions(t, ring))
	if err != nil {
		t.Fatal(err)
	}
	putTamperFixture(t, first)
	opts := encryptOptions(t, ring)
	opts.NameKey = mustKey(t, testKey2)
	second, err := layer.NewEncryptStage(store.NewMemoryShared(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Get(t.Context(), "b", []byte("alpha")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get under another NameKey = %v, want an error matching store.ErrNotFound", err)
	}
	var scanErr error
	for _, err := range second.Scan(t.Context(), "b") {
		scanErr = err
	}
	if !errors.Is(scanErr, layer.ErrCorrupt) {
		t.Errorf("Scan under another NameKey ended with %v, want an error matching ErrCorrupt", scanErr)
	}
}

func TestEncryptExpiry(t *testing.T) {
	enc, mem := newEncrypted(t, newRing(t))
	ctx := t.Context()
	exp := time.Date(2031, 2, 3, 4, 5, 6, 789, time.UTC)
	for _, tc := range []struct {
		name     string
		expireAt time.Time
		found    bool
		want     time.Time
	}{
		{"none", time.Time{}, true, time.Time{}},
		{"future, to the nanosecond", exp, true, exp},
		{"past", time.Now().Add(-time.Minute), false, time.Time{}},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), false, time.Time{}},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), false, time.Time{}},
		{"after 2262", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), true, time.Unix(0, 1<<63-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := []byte(tc.name)
			if err := enc.Put(ctx, store.Record{Key: key, Value: []byte("v"), ExpireAt: tc.expireAt}); err != nil {
				t.Fatalf("Put = %v", err)
			}
			r, err := enc.Get(ctx, "", key)
			if !tc.found {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Get = %v, want an error matching store.ErrNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			if !r.ExpireAt.Equal(tc.want) {
				t.Errorf("Get.ExpireAt = %v, want %v", r.ExpireAt, tc.want)
			}
			if stored := raw(t, mem, "", tc.name); !stored.ExpireAt.Equal(tc.want) {
				t.Errorf("backend ExpireAt = %v, want %v", stored.ExpireAt, tc.want)
			}
		})
	}
}

// TestEncryptMillisecondBackend stands in for a backend that keeps expiries
// to the millisecond: the layer must accept the difference.
func TestEncryptMillisecondBackend(t *testing.T) {
	mem := store.NewMemory()
	enc, err := layer.NewEncryptStage(millis{mem}, encryptOptions(t, newRing(t)))
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond).Add(999_999 * time.Nanosecond)
	if err := enc.Put(t.Context(), store.Record{Key: []byte("k"), Value: []byte("v"), ExpireAt: exp}); err != nil {
		t.Fatal(err)
	}
	r, err := enc.Get(t.Context(), "", []byte("k"))
	if err != nil {
		t.Fatalf("Get through a millisecond backend = %v", err)
	}
	if !r.ExpireAt.Equal(exp) {
		t.Errorf("ExpireAt = %v, want the sealed %v", r.ExpireAt, exp)
	}
}

// millis truncates expiries to the millisecond on the way in.
type millis struct{ store.Stage }

func (m millis) Put(ctx context.Context, r store.Record) error {
	r.ExpireAt = r.ExpireAt.Truncate(time.Millisecond)
	return m.Stage.Put(ctx, r)
}

// keyIDs counts the backend's blobs of bucket by the key id in their header.
func keyIDs(t *testing.T, mem *store.Memory, bucket string) map[uint32]int {
	t.Helper()
	ids := make(map[uint32]int)
	for r, err := range mem.Scan(t.Context(), bucket) {
		if err != nil {
			t.Fatal(err)
		}
		ids[binary.BigEndian.Uint32(r.Value[2:6])]++
	}
	return ids
}

// readAll checks that every key of want reads back through s with its value,
// by Get and by Scan, and returns how many did.
func readAll(t *testing.T, s store.Stage, bucket string, want map[string]string) int {
	t.Helper()
	ok := 0
	for k, v := range want {
		r, err := s.Get(t.Context(), bucket, []byte(k))
		if err == nil && string(r.Value) == v {
			ok++
		}
	}
	scanned := 0
	for r, err := range s.Scan(t.Context(), bucket) {
		if err != nil {
			t.Errorf("Scan = %v", err)
			break
		}
		if want[string(r.Key)] == string(r.Value) {
			scanned++
		}
	}
	if ok != len(want) || scanned != len(want) {
		t.Errorf("%d of %d records read back by Get and %d by Scan", ok, len(want), scanned)
	}
	return ok
}

func TestEncryptRotation(t *testing.T) {
	const n = 10_000
	ring := newRing(t)
	enc, mem := newEncrypted(t, ring)
	s := layer.Chain(enc, layer.Compress(layer.CompressOptions{}))
	ctx := t.Context()
	want := make(map[string]string, 2*n)
	put := func(from, to int) {
		batch := make([]store.Record, 0, 1000)
		for i := from; i < to; i++ {
			k, v := fmt.Sprintf("key-%05d", i), fmt.Sprintf("value %d %s", i, strings.Repeat("z", i%300))
			want[k] = v
			batch = append(batch, store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)})
			if len(batch) == cap(batch) {
				if err := s.(store.BatchPutter).PutBatch(ctx, batch); err != nil {
					t.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}

	put(0, n)
	readAll(t, s, "b", want)

	if err := ring.Add(2, mustKey(t, testKey2)); err != nil {
		t.Fatal(err)
	}
	if err := ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	readAll(t, s, "b", want)
	put(n, 2*n)
	readAll(t, s, "b", want)
	if ids := keyIDs(t, mem, "b"); ids[1] != n || ids[2] != n {
		t.Fatalf("blobs by key id before Rotate = %v, want %d under each of 1 and 2", ids, n)
	}

	got, err := enc.Rotate(ctx, "b")
	if err != nil || got != n {
		t.Fatalf("Rotate = (%d, %v), want (%d, nil)", got, err, n)
	}
	if ids := keyIDs(t, mem, "b"); ids[2] != 2*n || len(ids) != 1 {
		t.Fatalf("blobs by key id after Rotate = %v, want all %d under 2", ids, 2*n)
	}
	readAll(t, s, "b", want)
	if err := ring.Remove(1); err != nil {
		t.Fatal(err)
	}
	readAll(t, s, "b", want)
	if got, err := enc.Rotate(ctx, "b"); err != nil || got != 0 {
		t.Errorf("second Rotate = (%d, %v), want (0, nil)", got, err)
	}
}

// TestEncryptRemoveBeforeRotate shows what Rotate prevents: a key removed
// while blobs still use it leaves them unreadable.
func TestEncryptRemoveBeforeRotate(t *testing.T) {
	ring := newRing(t)
	enc, _ := newEncrypted(t, ring)
	putTamperFixture(t, enc)
	if err := ring.Add(2, mustKey(t, testKey2)); err != nil {
		t.Fatal(err)
	}
	if err := ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	if err := ring.Remove(1); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Get(t.Context(), "b", []byte("alpha")); !errors.Is(err, crypto.ErrUnknownKey) {
		t.Errorf("Get of a blob under a removed key = %v, want an error matching crypto.ErrUnknownKey", err)
	}
	if n, err := enc.Rotate(t.Context(), "b"); !errors.Is(err, crypto.ErrUnknownKey) || n != 0 {
		t.Errorf("Rotate over blobs under a removed key = (%d, %v), want (0, an error matching crypto.ErrUnknownKey)", n, err)
	}
}

// cancelAfter cancels a context once n Puts have gone through it.
type cancelAfter struct {
	store.Stage
	n      atomic.Int64
	cancel func()
}

func (c *cancelAfter) Put(ctx context.Context, r store.Record) error {
	err := c.Stage.Put(ctx, r)
	if c.n.Add(-1) == 0 {
		c.cancel()
	}
	return err
}

func TestEncryptRotateResumes(t *testing.T) {
	const n, stopAt = 300, 120
	ring := newRing(t)
	mem := store.NewMemory()
	ctx, cancel := context.WithCancel(t.Context())
	interrupt := &cancelAfter{Stage: mem, cancel: cancel}
	enc, err := layer.NewEncryptStage(interrupt, encryptOptions(t, ring))
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]string)
	for i := range n {
		k, v := fmt.Sprint("k", i), fmt.Sprint("v", i)
		want[k] = v
		if err := enc.Put(t.Context(), store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ring.Add(2, mustKey(t, testKey2)); err != nil {
		t.Fatal(err)
	}
	if err := ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	interrupt.n.Store(stopAt)
	first, err := enc.Rotate(ctx, "b")
	if !errors.Is(err, context.Canceled) || first != stopAt {
		t.Fatalf("interrupted Rotate = (%d, %v), want (%d, an error matching context.Canceled)", first, err, stopAt)
	}
	if ids := keyIDs(t, mem, "b"); ids[2] != stopAt {
		t.Errorf("after the interruption %v blobs by key id, want %d under key 2", ids, stopAt)
	}
	readAll(t, enc, "b", want)
	second, err := enc.Rotate(t.Context(), "b")
	if err != nil || first+second != n {
		t.Fatalf("resumed Rotate = (%d, %v), want (%d, nil)", second, err, n-first)
	}
	if err := ring.Remove(1); err != nil {
		t.Fatal(err)
	}
	readAll(t, enc, "b", want)
}

// TestEncryptRotateConcurrentWrites rewrites records through the layer
// while Rotate runs; Rotate must never put an older value back over a newer
// one. A lost update shows only when the writes fall between Rotate's read
// and write of a record, so this test can pass by luck when that is broken;
// it is here to run the locking under the race detector.
func TestEncryptRotateConcurrentWrites(t *testing.T) {
	const n, writers = 2000, 4
	ring := newRing(t)
	enc, _ := newEncrypted(t, ring)
	ctx := t.Context()
	for i := range n {
		if err := enc.Put(ctx, store.Record{Bucket: "b", Key: fmt.Append(nil, i), Value: []byte("old")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ring.Add(2, mustKey(t, testKey2)); err != nil {
		t.Fatal(err)
	}
	if err := ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	wg.Go(func() {
		if _, err := enc.Rotate(ctx, "b"); err != nil {
			errs <- err
		}
	})
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				var err error
				if i%10 == 0 {
					err = enc.Delete(ctx, "b", fmt.Append(nil, i))
				} else {
					err = enc.Put(ctx, store.Record{Bucket: "b", Key: fmt.Append(nil, i), Value: []byte("new")})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range n {
		r, err := enc.Get(ctx, "b", fmt.Append(nil, i))
		switch {
		case i%10 == 0:
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("key %d deleted during Rotate: Get = (%q, %v), want not found", i, r.Value, err)
			}
		case err != nil || string(r.Value) != "new":
			t.Errorf("key %d rewritten during Rotate: Get = (%q, %v), want %q", i, r.Value, err, "new")
		}
	}
}

// TestEncryptRotateDamaged checks that Rotate stops at a record it cannot
// reseal, names it by its storage name, and leaves the others readable.
func TestEncryptRotateDamaged(t *testing.T) {
	ring := newRing(t)
	enc, mem := newEncrypted(t, ring)
	putTamperFixture(t, enc)
	flipAt(-1)(t, mem)
	if err := ring.Add(2, mustKey(t, testKey2)); err != nil {
		t.Fatal(err)
	}
	if err := ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	_, err := enc.Rotate(t.Context(), "b")
	if !errors.Is(err, layer.ErrCorrupt) || !errors.Is(err, crypto.ErrOpen) {
		t.Fatalf("Rotate over a damaged blob = %v, want an error matching ErrCorrupt and crypto.ErrOpen", err)
	}
	if !strings.Contains(err.Error(), string(storedName(t, "b", "alpha"))) {
		t.Errorf("Rotate's error %q does not name the damaged record's storage name", err)
	}
	noPlaintext(t, err)
	if r, err := enc.Get(t.Context(), "b", []byte("beta")); err != nil || string(r.Value) != tamperValues["b/beta"] {
		t.Errorf("Get of an undamaged record after Rotate = (%q, %v)", r.Value, err)
	}
}

func TestEncryptRotateClosed(t *testing.T) {
	enc, _ := newEncrypted(t, newRing(t))
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Rotate(t.Context(), "b"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Rotate after Close = %v, want an error matching store.ErrClosed", err)
	}
}

// fuzzBucket, fuzzKey and fuzzValue are the record the FuzzEncryptOpen
// seeds were sealed for; one seed seals an empty value instead. The
// committed seeds are blobs the layer wrote under the keyring of newRing
// (testKey1 under id 1) or testKey2 under id 2, with the fixed NameKey and
// Store "test", next to hand-made malformed blobs.
const (
	fuzzBucket = "fuzz"
	fuzzKey    = "fuzz-key"
	fuzzValue  = "fuzz secret value"
)

// FuzzEncryptOpen stores arbitrary blobs and expiries in the backend under
// the name Get looks up. Get must never panic, must fail with one of the
// layer's documented errors and no plaintext in its message, and may
// succeed only with the record the seeds were sealed for. The committed
// corpus holds real blobs under the fixed test keys.
func FuzzEncryptOpen(f *testing.F) {
	ring := newRing(f)
	if err := ring.Add(2, mustKey(f, testKey2)); err != nil {
		f.Fatal(err)
	}
	// Fresh blobs, as opposed to the committed ones.
	for _, exp := range []int64{0, time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()} {
		enc, mem := newEncrypted(f, ring)
		var expireAt time.Time
		if exp != 0 {
			expireAt = time.UnixMilli(exp)
		}
		if err := enc.Put(f.Context(), store.Record{Bucket: fuzzBucket, Key: []byte(fuzzKey), Value: []byte(fuzzValue), ExpireAt: expireAt}); err != nil {
			f.Fatal(err)
		}
		r, err := mem.Get(f.Context(), fuzzBucket, storedName(f, fuzzBucket, fuzzKey))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(r.Value, exp)
	}
	name := storedName(f, fuzzBucket, fuzzKey)
	f.Fuzz(func(t *testing.T, blob []byte, expireMillis int64) {
		enc, mem := newEncrypted(t, ring)
		var expireAt time.Time
		if expireMillis != 0 {
			expireAt = time.UnixMilli(expireMillis)
		}
		if err := mem.Put(t.Context(), store.Record{Bucket: fuzzBucket, Key: name, Value: blob, ExpireAt: expireAt}); err != nil {
			t.Fatal(err)
		}
		check := func(op string, r store.Record, err error) {
			if err == nil {
				if string(r.Key) != fuzzKey || (string(r.Value) != fuzzValue && len(r.Value) != 0) || r.Bucket != fuzzBucket {
					t.Fatalf("%s opened a blob to {%q, %q, %q}, which no seed holds", op, r.Bucket, r.Key, r.Value)
				}
				return
			}
			if !errors.Is(err, layer.ErrCorrupt) && !errors.Is(err, crypto.ErrUnknownKey) && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s = %v, want an error matching ErrCorrupt, crypto.ErrUnknownKey or store.ErrNotFound", op, err)
			}
			if strings.Contains(err.Error(), fuzzValue) || strings.Contains(err.Error(), fuzzKey) {
				t.Fatalf("%s error %q quotes plaintext", op, err)
			}
		}
		r, err := enc.Get(t.Context(), fuzzBucket, []byte(fuzzKey))
		check("Get", r, err)
		for r, err := range enc.Scan(t.Context(), fuzzBucket) {
			check("Scan", r, err)
		}
	})
}
