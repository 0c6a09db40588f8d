package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

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
//
// A struct V, or a pointer to one, of plain data (booleans, numbers,
// strings, []byte, time.Time, slices, maps keyed by string, pointers and
// structs of these; none with decoding methods of their own, embedded, or
// tagged intern, alias or as_array) is encoded and decoded by a plan made
// once from its type. The plan writes the bytes msgpack/v5 writes and reads
// what msgpack/v5 reads, faster: Encode allocates nothing (beyond growing
// dst), and Decode puts the strings and byte
// slices of one value in one allocation instead of one each (they share
// it, so a string kept from the value keeps the others' bytes alive).
// Input the plan does not expect (an array-encoded struct, a repeated
// field, a field name that is not a str, a number where it expects a
// string) is decoded by msgpack/v5, so the result never depends on it; so is a
// value whose unknown fields, after its first string, hold more than 256
// bytes of strings and more than a quarter of what it keeps: the shared
// allocation would keep them alive. A type
// with encoding methods, or with an IsZero method on an omitempty field,
// is encoded by msgpack/v5; other types go to msgpack/v5 whole.
func Msgpack[V any]() Codec[V] {
	c := &msgpackCodec[V]{}
	c.plan = sync.OnceValue(c.checkedPlan)
	c.encodePlan = sync.OnceValue(c.checkedEncodePlan)
	return c
}

// msgpackCodec keeps scratch values of type V so that neither Encode nor
// Decode boxes a V of its own: msgpack takes an interface, and a V (or a
// *V to a local) handed to it escapes to the heap on every call. Handing it
// the address of a pooled, zeroed V costs a copy instead. A value reached
// through a pointer is addressable, so methods with pointer receivers
// (EncodeMsgpack, MarshalBinary...) apply to it when encoding as they do
// when decoding.
type msgpackCodec[V any] struct {
	values sync.Pool // *V, always zero while in the pool
	// plan decodes V without msgpack/v5 when it can (msgpack_plan.go);
	// nil when V is not plain data, or when the plan did not decode a
	// sample of V as msgpack/v5 does.
	plan func() *planNode
	// encodePlan is plan when it also encodes as msgpack/v5 does, else nil.
	encodePlan func() *planNode
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
	if pl := c.encodePlan(); pl != nil {
		// Through the pool: &v would move every v to the heap.
		p := c.value()
		*p = v
		dst = pl.encode(dst, unsafe.Pointer(p))
		c.release(p)
		return dst, nil
	}
	return c.encodeLibrary(dst, v)
}

// encodeLibrary encodes v with msgpack/v5.
func (c *msgpackCodec[V]) encodeLibrary(dst []byte, v V) ([]byte, error) {
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
	payload, err := checkMsgpack(data)
	if err != nil {
		return v, decodeError("msgpack", err)
	}
	if pl := c.plan(); pl != nil {
		if v, ok := c.decodePlanned(pl, data, payload); ok {
			return v, nil
		}
	}
	return c.decodeLibrary(data)
}

// decodePlanned decodes data through the plan, or reports that it gave
// up. The strings and byte slices of the value share one allocation.
func (c *msgpackCodec[V]) decodePlanned(pl *planNode, data []byte, payload int) (v V, ok bool) {
	defer func() {
		if recover() != nil { // a bug here must not fail the decode
			var zero V
			v, ok = zero, false
		}
	}()
	p := c.value()
	d := planDecoder{data: data, blockSize: payload}
	ok = d.decode(pl, unsafe.Pointer(p)) && d.i == len(data) && !d.wasteful()
	if ok {
		v = *p
	}
	c.release(p)
	return v, ok
}

// checkedPlan returns V's plan if it decodes a sample V, encoded by
// msgpack/v5, to what msgpack/v5 decodes: a check against what the plan
// cannot see, such as a decoder registered with msgpack.Register.
func (c *msgpackCodec[V]) checkedPlan() (plan *planNode) {
	defer func() {
		if recover() != nil {
			plan = nil
		}
	}()
	pl := newPlan(reflect.TypeFor[V]())
	if pl == nil {
		return nil
	}
	var sample V
	pl.sample(unsafe.Pointer(&sample))
	data, err := c.encodeLibrary(nil, sample)
	if err != nil {
		return nil
	}
	want, err := c.decodeLibrary(data)
	if err != nil {
		return nil
	}
	payload, err := checkMsgpack(data)
	if err != nil {
		return nil
	}
	got, ok := c.decodePlanned(pl, data, payload)
	if !ok || !reflect.DeepEqual(got, want) {
		return nil
	}
	return pl
}

// checkedEncodePlan returns V's plan if it can encode, and encodes a
// sample V to the bytes msgpack/v5 writes for it.
func (c *msgpackCodec[V]) checkedEncodePlan() (plan *planNode) {
	defer func() {
		if recover() != nil {
			plan = nil
		}
	}()
	pl := c.plan()
	if pl == nil || !pl.canEncode() {
		return nil
	}
	var sample V
	pl.sample(unsafe.Pointer(&sample))
	want, err := c.encodeLibrary(nil, sample)
	if err != nil || !bytes.Equal(pl.encode(nil, unsafe.Pointer(&sample)), want) {
		return nil
	}
	return pl
}

// decodeLibrary decodes data with msgpack/v5.
func (c *msgpackCodec[V]) decodeLibrary(data []byte) (v V, err error) {
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
// maxMsgpackDepth deep. It allocates nothing for shallow input. It also
// returns the bytes the value's strings and binaries hold between them,
// which bounds what a decoded value's strings and byte slices need.
func checkMsgpack(data []byte) (payload int, err error) {
	end, payload, err := walkMsgpack(data, 0)
	if err != nil {
		return 0, err
	}
	if end != len(data) {
		return 0, fmt.Errorf("%d bytes after the value", len(data)-end)
	}
	return payload, nil
}

// walkMsgpack checks, as checkMsgpack does, the one value that starts at
// data[i], and returns where it ends and the bytes its strings and
// binaries hold.
func walkMsgpack(data []byte, i int) (end, payload int, err error) {
	var stackBuf [32]int
	stack := append(stackBuf[:0], 1) // values left to read at each open level
	pending := 1                     // values left to read at all levels
	for len(stack) > 0 {
		top := len(stack) - 1
		if stack[top] == 0 {
			stack = stack[:top]
			continue
		}
		stack[top]--
		pending--
		if i >= len(data) {
			return 0, 0, errTruncated
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
			payload += skip
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
				return 0, 0, fmt.Errorf("invalid code 0x%02x at offset %d", c, i-1)
			}
			if lenSize > 0 {
				if len(data)-i < lenSize {
					return 0, 0, errTruncated
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
					return 0, 0, errTruncated
				}
				switch c {
				case 0xdc, 0xdd:
					elems = int(n)
				case 0xde, 0xdf:
					elems = 2 * int(n)
				default:
					skip = int(n) + extra
					if extra == 0 { // str or bin, not ext
						payload += int(n)
					}
				}
			}
		}
		if skip > len(data)-i {
			return 0, 0, errTruncated
		}
		i += skip
		if elems > 0 {
			pending += elems
			if pending > len(data)-i {
				return 0, 0, errTruncated
			}
			if len(stack) > maxMsgpackDepth {
				return 0, 0, fmt.Errorf("nesting deeper than %d", maxMsgpackDepth)
			}
			stack = append(stack, elems)
		}
	}
	return i, payload, nil
}
