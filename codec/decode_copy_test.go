package codec_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/livedict/livedict/codec"
)

// scribble overwrites every byte of b, as a caller reusing its buffer would.
func scribble(b []byte) {
	for i := range b {
		b[i] = 'X'
	}
}

// decodeScribbled encodes v with c, decodes it, overwrites the encoding,
// and returns what was decoded.
func decodeScribbled[V any](t *testing.T, c codec.Codec[V], v V) V {
	t.Helper()
	b, got := roundTrip(t, c, v)
	scribble(b)
	return got
}

// TestDecodeOwnsMemory checks that a decoded value shares no memory with
// the input: the caller may reuse its buffer once Decode returns. A codec
// that made strings or slices over the input, to save their allocations,
// would fail here.
func TestDecodeOwnsMemory(t *testing.T) {
	for _, vc := range valueCodecs {
		t.Run(vc.name, func(t *testing.T) {
			want := sampleRecord()
			got := decodeScribbled(t, vc.c, want)
			if diff := cmp.Diff(want, got, vc.opts...); diff != "" {
				t.Errorf("overwriting the input changed the decoded value (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("string", func(t *testing.T) {
		if got := decodeScribbled(t, codec.String(), "a string"); got != "a string" {
			t.Errorf("overwriting the input changed the decoded string to %q", got)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		in := []byte("some bytes")
		if got := decodeScribbled(t, codec.Bytes(), in); !bytes.Equal(got, in) {
			t.Errorf("overwriting the input changed the decoded bytes to %q", got)
		}
	})
}
