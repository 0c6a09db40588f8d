package layer

import (
	"bytes"
	"errors"
	"testing"

	"github.com/livedict/livedict/store"
)

// FuzzCompressDecode feeds arbitrary stored values to the compression
// decoder: it must never panic, must reject what it cannot read with
// ErrCorrupt, and what it accepts must survive a fresh round trip.
func FuzzCompressDecode(f *testing.F) {
	f.Add([]byte{0, 'h', 'i'})
	f.Add([]byte{1, 0x03, 0x08, 'a', 'b', 'c'})
	f.Add([]byte{2, 0x28, 0xb5, 0x2f, 0xfd})
	cs := []*compressor{
		newCompressor(CompressOptions{MinSize: -1}),
		newCompressor(CompressOptions{Algorithm: Zstd, MinSize: -1}),
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		for _, c := range cs {
			got, err := c.Decode(nil, store.Record{Value: v})
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Decode(%x) = %v, want an error matching ErrCorrupt", v, err)
				}
				continue
			}
			enc, err := c.Encode(nil, store.Record{Value: got})
			if err != nil {
				t.Fatalf("Encode = %v", err)
			}
			back, err := c.Decode(nil, store.Record{Value: enc})
			if err != nil || !bytes.Equal(back, got) {
				t.Fatalf("round trip of %x: got %x, %v", got, back, err)
			}
		}
	})
}
