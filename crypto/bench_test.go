package crypto

import (
	"testing"
	"time"
)

func BenchmarkSeal(b *testing.B) {
	plaintext := make([]byte, 1024)
	for _, alg := range algorithms {
		b.Run(alg.String()+"/1KiB", func(b *testing.B) {
			r := newRing(b, alg, 1, 1)
			buf := make([]byte, 0, 2048)
			b.SetBytes(int64(len(plaintext)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Seal(buf[:0], plaintext, testBinding, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	plaintext := make([]byte, 1024)
	for _, alg := range algorithms {
		b.Run(alg.String()+"/1KiB", func(b *testing.B) {
			r := newRing(b, alg, 1, 1)
			blob, err := r.Seal(nil, plaintext, testBinding, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 2048)
			b.SetBytes(int64(len(plaintext)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, err := r.Open(buf[:0], blob, testBinding); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
