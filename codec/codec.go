package codec

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
)

// Codec turns values of type V into bytes and back.
type Codec[V any] interface {
	// Encode appends the encoding of v to dst, which may be nil, and returns
	// the extended slice. On error it returns dst unextended.
	Encode(dst []byte, v V) ([]byte, error)
	// Decode decodes one value from data. It never panics, whatever data
	// holds; errors wrap ErrDecode. The value does not retain data.
	Decode(data []byte) (V, error)
}

// KeyCodec turns keys of type K into bytes and back. Encodings are
// deterministic (equal keys give equal bytes) and injective (different keys
// give different bytes).
type KeyCodec[K comparable] interface {
	// EncodeKey appends the encoding of k to dst, which may be nil, and
	// returns the extended slice. On error it returns dst unextended.
	EncodeKey(dst []byte, k K) ([]byte, error)
	// DecodeKey decodes a key from data. Input of the wrong length or form
	// gives an error wrapping ErrDecode, never a panic.
	DecodeKey(data []byte) (K, error)
}

// ErrDecode is wrapped by every error a decoder returns for input it cannot
// decode.
var ErrDecode = errors.New("codec: cannot decode")

// ErrNoKeyCodec is wrapped by the error [KeyFor] returns for a key type it
// has no encoding for.
var ErrNoKeyCodec = errors.New("codec: no key codec for this type")

// decodeError wraps err, from the decoder of the named format, with ErrDecode.
func decodeError(format string, err error) error {
	return fmt.Errorf("%w (%s): %w", ErrDecode, format, err)
}

// recoverDecode turns a panic in a third-party decoder into an error and a
// zero value, so that Decode keeps its promise never to panic.
func recoverDecode[V any](format string, v *V, err *error) {
	if r := recover(); r != nil {
		var zero V
		*v = zero
		*err = fmt.Errorf("%w (%s): decoder panicked: %v", ErrDecode, format, r)
	}
}

// JSON returns a codec that encodes values with encoding/json.
func JSON[V any]() Codec[V] { return jsonCodec[V]{} }

type jsonCodec[V any] struct{}

func (jsonCodec[V]) Encode(dst []byte, v V) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("codec: json encode: %w", err)
	}
	return append(dst, b...), nil
}

func (jsonCodec[V]) Decode(data []byte) (v V, err error) {
	defer recoverDecode("json", &v, &err)
	if err := json.Unmarshal(data, &v); err != nil {
		var zero V
		return zero, decodeError("json", err)
	}
	return v, nil
}

// Gob returns a codec that encodes values with encoding/gob. Each value is
// written by a fresh encoder, so it carries its own type description and
// decodes without any state shared with the writer. Gob does not keep the
// difference between nil and empty slices and maps, and V must be a type gob
// can encode (interface fields need gob.Register).
func Gob[V any]() Codec[V] { return gobCodec[V]{} }

type gobCodec[V any] struct{}

func (gobCodec[V]) Encode(dst []byte, v V) ([]byte, error) {
	w := appendWriter{b: dst}
	if err := gob.NewEncoder(&w).Encode(v); err != nil {
		return dst, fmt.Errorf("codec: gob encode: %w", err)
	}
	return w.b, nil
}

func (gobCodec[V]) Decode(data []byte) (v V, err error) {
	defer recoverDecode("gob", &v, &err)
	r := bytes.NewReader(data)
	if err := gob.NewDecoder(r).Decode(&v); err != nil {
		var zero V
		return zero, decodeError("gob", err)
	}
	if r.Len() != 0 {
		var zero V
		return zero, fmt.Errorf("%w (gob): %d bytes after the value", ErrDecode, r.Len())
	}
	return v, nil
}

// Bytes returns a codec that passes byte slices through unchanged. Decode
// returns a copy of its input, so the caller may reuse the input buffer.
// The encoding cannot tell a nil slice from an empty one: both decode as nil.
func Bytes() Codec[[]byte] { return bytesCodec{} }

type bytesCodec struct{}

func (bytesCodec) Encode(dst []byte, v []byte) ([]byte, error) { return append(dst, v...), nil }

func (bytesCodec) Decode(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, nil
	}
	return bytes.Clone(data), nil
}

// String returns a codec that passes strings through as their bytes.
func String() Codec[string] { return stringCodec{} }

type stringCodec struct{}

func (stringCodec) Encode(dst []byte, v string) ([]byte, error) { return append(dst, v...), nil }

func (stringCodec) Decode(data []byte) (string, error) { return string(data), nil }

// appendWriter is an io.Writer (and io.ByteWriter) that appends to a slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *appendWriter) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}
