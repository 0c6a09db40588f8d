package backendtest

import (
	"context"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// BenchmarkStoreWriteBehind measures what an application sees: Sets of
// new 1 KiB values into a write-behind Store over this backend, then the
// Flush that makes them durable, in entries per second of the whole run.
// "sealed" adds s2 compression and AES-256-GCM, as a Store persists by
// default.
//
// open returns a new, empty backend for each sub-benchmark; the Store
// closes it.
func BenchmarkStoreWriteBehind(b *testing.B, open func(b *testing.B) store.Stage) {
	value := make([]byte, 1024)
	for i := range value {
		value[i] = byte(i % 61)
	}
	for _, sealed := range []bool{false, true} {
		name := "plain"
		if sealed {
			name = "sealed"
		}
		b.Run(name, func(b *testing.B) {
			backend := open(b)
			p := &livedict.Persist[int, []byte]{Backend: backend, Codec: codec.Bytes(), Plaintext: !sealed}
			if sealed {
				k, _ := crypto.GenerateKey()
				nk, _ := crypto.GenerateKey()
				ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
				if err != nil {
					b.Fatal(err)
				}
				p.Keyring, p.NameKey, p.Compress = ring, nk, &layer.CompressOptions{}
			}
			s, err := livedict.New(&livedict.Options[int, []byte]{Persist: p})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ResetTimer()
			for i := range b.N { // b.Loop would stop the timer before Flush
				if err := s.Set(i, value, livedict.NoExpiry); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
