package codec

import (
	"encoding"
	"encoding/binary"
	"fmt"
	"reflect"
	"unsafe"
)

var (
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textAppenderType    = reflect.TypeFor[encoding.TextAppender]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// KeyFor returns the key codec for K, chosen once from K's type (see the
// package documentation for the encodings), or an error wrapping
// [ErrNoKeyCodec] that names the type when K has none: floats, bools,
// structs without text methods, pointers, interfaces and the like.
func KeyFor[K comparable]() (KeyCodec[K], error) {
	t := reflect.TypeFor[K]()
	switch t.Kind() {
	case reflect.String:
		return stringKey[K]{}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intKey[K]{size: int(t.Size()), signed: true, name: t.String()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return intKey[K]{size: int(t.Size()), name: t.String()}, nil
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return byteArrayKey[K]{size: t.Len(), name: t.String()}, nil
		}
	}
	if t.Implements(textMarshalerType) && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return textKey[K]{appender: t.Implements(textAppenderType)}, nil
	}
	return nil, fmt.Errorf("%w: %v (want a string, integer or byte array kind, or a type with MarshalText and a pointer with UnmarshalText)", ErrNoKeyCodec, t)
}

// stringKey encodes a key whose underlying type is string as its bytes.
type stringKey[K comparable] struct{}

func (stringKey[K]) EncodeKey(dst []byte, k K) ([]byte, error) {
	// K's underlying type is string, so it has string's layout.
	return append(dst, *(*string)(unsafe.Pointer(&k))...), nil
}

func (stringKey[K]) DecodeKey(data []byte) (K, error) {
	var k K
	*(*string)(unsafe.Pointer(&k)) = string(data)
	return k, nil
}

// intKey encodes an integer key big-endian in its own width, the sign bit of
// signed types flipped so that byte order is numeric order.
type intKey[K comparable] struct {
	size   int // 1, 2, 4 or 8
	signed bool
	name   string
}

func (c intKey[K]) EncodeKey(dst []byte, k K) ([]byte, error) {
	p := unsafe.Pointer(&k)
	switch c.size {
	case 1:
		u := *(*uint8)(p)
		if c.signed {
			u ^= 1 << 7
		}
		return append(dst, u), nil
	case 2:
		u := *(*uint16)(p)
		if c.signed {
			u ^= 1 << 15
		}
		return binary.BigEndian.AppendUint16(dst, u), nil
	case 4:
		u := *(*uint32)(p)
		if c.signed {
			u ^= 1 << 31
		}
		return binary.BigEndian.AppendUint32(dst, u), nil
	default:
		u := *(*uint64)(p)
		if c.signed {
			u ^= 1 << 63
		}
		return binary.BigEndian.AppendUint64(dst, u), nil
	}
}

func (c intKey[K]) DecodeKey(data []byte) (K, error) {
	var k K
	if len(data) != c.size {
		return k, fmt.Errorf("%w: a %s key takes %d bytes, got %d", ErrDecode, c.name, c.size, len(data))
	}
	p := unsafe.Pointer(&k)
	switch c.size {
	case 1:
		u := data[0]
		if c.signed {
			u ^= 1 << 7
		}
		*(*uint8)(p) = u
	case 2:
		u := binary.BigEndian.Uint16(data)
		if c.signed {
			u ^= 1 << 15
		}
		*(*uint16)(p) = u
	case 4:
		u := binary.BigEndian.Uint32(data)
		if c.signed {
			u ^= 1 << 31
		}
		*(*uint32)(p) = u
	default:
		u := binary.BigEndian.Uint64(data)
		if c.signed {
			u ^= 1 << 63
		}
		*(*uint64)(p) = u
	}
	return k, nil
}

// byteArrayKey encodes a key whose underlying type is [N]byte as its bytes.
type byteArrayKey[K comparable] struct {
	size int
	name string
}

func (c byteArrayKey[K]) EncodeKey(dst []byte, k K) ([]byte, error) {
	return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&k)), c.size)...), nil
}

func (c byteArrayKey[K]) DecodeKey(data []byte) (K, error) {
	var k K
	if len(data) != c.size {
		return k, fmt.Errorf("%w: a %s key takes %d bytes, got %d", ErrDecode, c.name, c.size, len(data))
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&k)), c.size), data)
	return k, nil
}

// textKey encodes a key with its MarshalText (or AppendText) method and
// decodes it with UnmarshalText. Determinism and injectivity are the key
// type's own: its text must name exactly one value.
type textKey[K comparable] struct {
	appender bool
}

func (c textKey[K]) EncodeKey(dst []byte, k K) ([]byte, error) {
	if c.appender {
		out, err := any(k).(encoding.TextAppender).AppendText(dst)
		if err != nil {
			return dst, fmt.Errorf("codec: encode key: %w", err)
		}
		return out, nil
	}
	b, err := any(k).(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return dst, fmt.Errorf("codec: encode key: %w", err)
	}
	return append(dst, b...), nil
}

func (textKey[K]) DecodeKey(data []byte) (K, error) {
	var k K
	if err := any(&k).(encoding.TextUnmarshaler).UnmarshalText(data); err != nil {
		var zero K
		return zero, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return k, nil
}
