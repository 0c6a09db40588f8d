package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Msgpack returns a codec that encodes values with
// github.com/vmihailenco/msgpack/v5: the default value codec. Struct fields
// take their names from `msgpack` tags, as in that package.
// Values are encoded through a pointer, so methods with pointer receivers
// (EncodeMsgpack, MarshalBinary...) apply when encoding as they do when
// decoding.
//
// Before decoding, the input is checked to hold exactly one well-formed
// value whose declared array and map lengths fit in the bytes present and
// whose nesting is at most 10000 deep. This bounds what a hostile input can
// make the decoder allocate, which it otherwise sizes from the declared
// lengths.
func Msgpack[V any]() Codec[V] { return &msgpackCodec[V]{} }

// msgpackCodec keeps scratch values of type V so that neither Encode nor
// Decode boxes a V of its own: msgpack takes an interface, and a V (or a
// *V to a local) handed to it escapes to the heap on every call. Handing it
// the address of a pooled, zeroed V costs a copy instead. A value reached
// through a pointer is addressable, so methods with pointer receivers
// (EncodeMsgpack, MarshalBinary...) apply to it when encoding as they do
// when decoding.
type msgpackCodec[V any] struct {
	values sync.Pool // *V, always zero while in the pool
}

func (c *msgpackCodec[V]) value() *V {
	if p, ok := c.values.Get().(*V); ok {
		return p
	}
	return new(V)
}

// release zeroes p, so the pool holds no reference to a caller's data,
// and returns it to the pool.
func (c *msgpackCodec[V]) release(p *V) {
	var zero V
	*p = zero
	c.values.Put(p)
}

// msgpackEncoder pairs a reusable encoder with the buffer it writes to.
type msgpackEncoder struct {
	enc *msgpack.Encoder
	w   appendWriter
}

var msgpackEncoders = sync.Pool{New: func() any {
	e := new(msgpackEncoder)
	e.enc = msgpack.NewEncoder(&e.w)
	return e
}}

// msgpackDecoder pairs a reusable decoder with the reader it reads from,
// as msgpack.Unmarshal does but without a new reader per call.
type msgpackDecoder struct {
	dec *msgpack.Decoder
	r   bytes.Reader
}

var msgpackDecoders = sync.Pool{New: func() any {
	d := new(msgpackDecoder)
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}}

func (c *msgpackCodec[V]) Encode(dst []byte, v V) ([]byte, error) {
	e := msgpackEncoders.Get().(*msgpackEncoder)
	p := c.value()
	*p = v
	e.w.b = dst
	err := e.enc.Encode(p)
	out := e.w.b
	e.w.b = nil
	msgpackEncoders.Put(e)
	c.release(p)
	if err != nil {
		return dst, fmt.Errorf("codec: msgpack encode: %w", err)
	}
	return out, nil
}

func (c *msgpackCodec[V]) Decode(data []byte) (v V, err error) {
	defer recoverDecode("msgpack", &v, &err)
	if err := checkMsgpack(data); err != nil {
		return v, decodeError("msgpack", err)
	}
	// A decoder that panicked is dropped rather than pooled: its state
	// is unknown.
	d := msgpackDecoders.Get().(*msgpackDecoder)
	d.r.Reset(data)
	// Reset leaves the decoder's flags clear, as msgpack.Unmarshal does
	// in effect (it sets UsePreallocateValues before its Reset clears
	// it): preallocation would start a goroutine per decoded type.
	d.dec.Reset(&d.r)
	p := c.value()
	err = d.dec.Decode(p)
	v = *p
	c.release(p)
	d.r.Reset(nil)
	d.dec.Reset(&d.r)
	msgpackDecoders.Put(d)
	if err != nil {
		var zero V
		return zero, decodeError("msgpack", err)
	}
	return v, nil
}

// maxMsgpackDepth bounds the nesting of arrays and maps, as encoding/json does.
const maxMsgpackDepth = 10000

var errTruncated = errors.New("unexpected end of input")

// checkMsgpack reports whether data holds exactly one well-formed msgpack
// value, with every declared length covered by the bytes that follow it
// (each element takes at least one byte), and nesting at most
// maxMsgpackDepth deep. It allocates nothing for shallow input.
func checkMsgpack(data []byte) error {
	var stackBuf [32]int
	stack := append(stackBuf[:0], 1) // values left to read at each open level
	pending := 1                     // values left to read at all levels
	i := 0
	for len(stack) > 0 {
		top := len(stack) - 1
		if stack[top] == 0 {
			stack = stack[:top]
			continue
		}
		stack[top]--
		pending--
		if i >= len(data) {
			return errTruncated
		}
		c := data[i]
		i++
		var skip, elems int // bytes to skip; values in a new container
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c <= 0x8f:
			elems = 2 * int(c&0x0f)
		case c <= 0x9f:
			elems = int(c & 0x0f)
		case c <= 0xbf:
			skip = int(c & 0x1f)
		default:
			// Codes 0xc4 to 0xdf: a fixed payload, or a big-endian length
			// of 1, 2 or 4 bytes.
			var lenSize, extra int
			switch c {
			case 0xc4, 0xd9:
				lenSize = 1
			case 0xc5, 0xda:
				lenSize = 2
			case 0xc6, 0xdb:
				lenSize = 4
			case 0xc7:
				lenSize, extra = 1, 1
			case 0xc8:
				lenSize, extra = 2, 1
			case 0xc9:
				lenSize, extra = 4, 1
			case 0xca, 0xce, 0xd2:
				skip = 4
			case 0xcb, 0xcf, 0xd3:
				skip = 8
			case 0xcc, 0xd0:
				skip = 1
			case 0xcd, 0xd1:
				skip = 2
			case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
				skip = 1 + 1<<(c-0xd4)
			case 0xdc, 0xde:
				lenSize = 2
			case 0xdd, 0xdf:
				lenSize = 4
			default: // 0xc1, never used
				return fmt.Errorf("invalid code 0x%02x at offset %d", c, i-1)
			}
			if lenSize > 0 {
				if len(data)-i < lenSize {
					return errTruncated
				}
				var n uint64
				switch lenSize {
				case 1:
					n = uint64(data[i])
				case 2:
					n = uint64(binary.BigEndian.Uint16(data[i:]))
				case 4:
					n = uint64(binary.BigEndian.Uint32(data[i:]))
				}
				i += lenSize
				if n > uint64(len(data)) {
					return errTruncated
				}
				switch c {
				case 0xdc, 0xdd:
					elems = int(n)
				case 0xde, 0xdf:
					elems = 2 * int(n)
				default:
					skip = int(n) + extra
				}
			}
		}
		if skip > len(data)-i {
			return errTruncated
		}
		i += skip
		if elems > 0 {
			pending += elems
			if pending > len(data)-i {
				return errTruncated
			}
			if len(stack) > maxMsgpackDepth {
				return fmt.Errorf("nesting deeper than %d", maxMsgpackDepth)
			}
			stack = append(stack, elems)
		}
	}
	if i != len(data) {
		return fmt.Errorf("%d bytes after the value", len(data)-i)
	}
	return nil
}
