package layer

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/livedict/livedict/store"
)

// ErrCorrupt is matched by the error a [Compress] layer returns for a stored
// value it cannot decode: an unknown marker byte, a truncated or damaged
// body, or a body that would decode to more than 64 MiB.
var ErrCorrupt = errors.New("layer: corrupt value")

// CompressAlgorithm names the compression a [Compress] layer applies.
type CompressAlgorithm uint8

// The algorithms a [Compress] layer knows.
const (
	// S2 is klauspost's S2, a fast Snappy extension; the default.
	S2 CompressAlgorithm = iota
	// Zstd is Zstandard at its default level: slower, smaller.
	Zstd
)

// CompressOptions configures [Compress]. The zero value is ready to use.
type CompressOptions struct {
	// Algorithm compresses values; the default is S2. Reading does not
	// depend on it: each stored value names its own algorithm, so changing
	// Algorithm keeps older values readable.
	Algorithm CompressAlgorithm
	// MinSize is the length below which values are stored uncompressed,
	// since compressing them costs more than it saves. Zero means 256; a
	// negative MinSize compresses every value.
	MinSize int
}

// Marker bytes that start every value a Compress layer stores.
const (
	markerRaw  = 0
	markerS2   = 1
	markerZstd = 2
)

// maxDecoded bounds the length a stored value may decode to, so that a
// hostile or corrupt value cannot make a read allocate without limit.
const maxDecoded = 64 << 20

// Compress returns a Layer that compresses values on their way to the next
// stage and decompresses them on their way back. Each stored value starts
// with one marker byte: 0 for a value kept as it is, 1 for S2, 2 for Zstd.
// A value shorter than opts.MinSize, or one that compression would not
// shrink, is kept as it is. A stored value with an unknown marker, or one
// that does not decompress, gives an error matching [ErrCorrupt].
//
// The encoder and decoder are made once per call of Compress and shared by
// every Stage the Layer builds.
func Compress(opts CompressOptions) Layer {
	return FromTransform(newCompressor(opts))
}

// compressor is the Transform behind Compress.
type compressor struct {
	alg     CompressAlgorithm
	minSize int
	// enc is nil unless alg is Zstd. EncodeAll is safe for concurrent use,
	// and made without a writer the encoder starts no goroutines.
	enc *zstd.Encoder
	// zstdDecoder makes the Zstd decoder on first use, since Zstd values
	// may be read by a layer that writes S2. DecodeAll is safe for
	// concurrent use.
	zstdDecoder func() (*zstd.Decoder, error)
	// err is set when the options cannot be honoured; every Encode returns it.
	err error
}

func newCompressor(opts CompressOptions) *compressor {
	c := &compressor{alg: opts.Algorithm, minSize: opts.MinSize}
	switch {
	case c.minSize == 0:
		c.minSize = 256
	case c.minSize < 0:
		c.minSize = 0
	}
	c.zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxDecoded))
	})
	switch c.alg {
	case S2:
	case Zstd:
		c.enc, c.err = zstd.NewWriter(nil)
		if c.err != nil {
			c.err = fmt.Errorf("layer: zstd encoder: %w", c.err)
		}
	default:
		c.err = fmt.Errorf("%w %d", errUnknownAlgorithm, c.alg)
	}
	return c
}

// Encode appends the marker and the (possibly compressed) value to dst.
func (c *compressor) Encode(dst []byte, r store.Record) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	v := r.Value
	start := len(dst)
	if len(v) >= c.minSize {
		switch c.alg {
		case S2:
			dst = append(dst, markerS2)
			n := len(dst)
			dst = slices.Grow(dst, s2.MaxEncodedLen(len(v)))
			out := s2.Encode(dst[n:cap(dst)], v)
			dst = dst[:n+len(out)]
		case Zstd:
			dst = c.enc.EncodeAll(v, append(dst, markerZstd))
		}
		if len(dst)-start <= len(v) {
			return dst, nil
		}
		dst = dst[:start] // compression did not pay: keep the value raw
	}
	dst = append(dst, markerRaw)
	return append(dst, v...), nil
}

// Decode appends the original value to dst.
func (c *compressor) Decode(dst []byte, r store.Record) ([]byte, error) {
	v := r.Value
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: missing marker byte", ErrCorrupt)
	}
	body := v[1:]
	switch v[0] {
	case markerRaw:
		return append(dst, body...), nil
	case markerS2:
		n, err := s2.DecodedLen(body)
		if err != nil {
			return nil, fmt.Errorf("%w: s2: %v", ErrCorrupt, err)
		}
		if n > maxDecoded {
			return nil, fmt.Errorf("%w: s2: decoded length %d is over the limit", ErrCorrupt, n)
		}
		start := len(dst)
		dst = slices.Grow(dst, n)
		out, err := s2.Decode(dst[start:start+n], body)
		if err != nil {
			return nil, fmt.Errorf("%w: s2: %v", ErrCorrupt, err)
		}
		return dst[:start+len(out)], nil
	case markerZstd:
		dec, err := c.zstdDecoder()
		if err != nil {
			return nil, fmt.Errorf("layer: zstd decoder: %w", err)
		}
		out, err := dec.DecodeAll(body, dst)
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("%w: unknown marker byte %d", ErrCorrupt, v[0])
	}
}
