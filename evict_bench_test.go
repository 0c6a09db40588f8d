package livedict_test

import (
	"testing"

	"github.com/livedict/livedict"
)

// BenchmarkSetEvict sets distinct keys into a full Evict store of 64k
// keys, so every Set evicts an entry (S3-FIFO: small FIFO, main FIFO, and
// the ghost list it remembers evicted keys in) and looks its own key up
// in the ghost list; a third of the keys come back, so some hit it.
func BenchmarkSetEvict(b *testing.B) {
	const capacity = 1 << 16
	s, err := livedict.New[uint64, uint64](&livedict.Options[uint64, uint64]{MaxKeys: capacity, Policy: livedict.Evict})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range uint64(capacity) {
		if err := s.Set(i, i, livedict.NoExpiry); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := uint64(capacity)
	for b.Loop() {
		k := i
		if i%3 == 0 {
			k = i - 2*capacity/3 // recently evicted: may be in the ghost list
		}
		if err := s.Set(k, k, livedict.NoExpiry); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
