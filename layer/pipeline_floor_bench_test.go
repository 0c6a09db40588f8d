package layer_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/livedict/livedict/codec"
)

// BenchmarkPipelineFloor times, each alone, the library primitives that one
// round trip of BenchmarkPipeline/Full cannot do without, on the bytes Full
// hands them: s2 encode and decode of the 1 KiB document, AES-256-GCM seal
// and open (random nonce, as the keyring seals) of its s2 form, and two
// HMAC-SHA256 storage names (one for the Put, one for the Get). With
// Pipeline/Msgpack (our codec, there and back) their sum is what Full costs
// before any work of our own: no layer, backend, copy or allocation of ours
// is in it. docs/benchmarks.md adds them up against the 3 µs target.
func BenchmarkPipelineFloor(b *testing.B) {
	doc := newBenchDoc(b)
	plain, err := codec.Msgpack[benchDoc]().Encode(nil, doc)
	if err != nil {
		b.Fatal(err)
	}
	packed := s2.Encode(nil, plain)

	b.Run("S2Encode", func(b *testing.B) {
		dst := make([]byte, s2.MaxEncodedLen(len(plain)))
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			s2.Encode(dst, plain)
		}
	})
	b.Run("S2Decode", func(b *testing.B) {
		dst := make([]byte, len(plain))
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s2.Decode(dst, packed); err != nil {
				b.Fatal(err)
			}
		}
	})

	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		b.Fatal(err)
	}
	aad := []byte("bucket\x00user:42")
	sealed := aead.Seal(nil, nil, packed, aad)
	b.Run("GCMSeal", func(b *testing.B) {
		dst := make([]byte, 0, len(sealed))
		b.SetBytes(int64(len(packed)))
		b.ReportAllocs()
		for b.Loop() {
			aead.Seal(dst[:0], nil, packed, aad)
		}
	})
	b.Run("GCMOpen", func(b *testing.B) {
		dst := make([]byte, 0, len(packed))
		b.SetBytes(int64(len(packed)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := aead.Open(dst[:0], nil, sealed, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TwoNames", func(b *testing.B) {
		mac := hmac.New(sha256.New, make([]byte, 32))
		in := []byte("\x00user:42")
		var sum [sha256.Size]byte
		b.ReportAllocs()
		for b.Loop() {
			for range 2 {
				mac.Write(in)
				mac.Sum(sum[:0])
				mac.Reset()
			}
		}
	})
}
