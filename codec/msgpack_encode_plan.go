package codec

import (
	"encoding"
	"encoding/binary"
	"math"
	mathbits "math/bits"
	"reflect"
	"time"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// A plan also encodes, writing the bytes msgpack/v5 writes with its
// default options (fixed-width sized integers, map-encoded structs, map
// entries in Go's iteration order), when no type in it encodes itself.

var (
	customEncoderType   = reflect.TypeFor[msgpack.CustomEncoder]()
	marshalerType       = reflect.TypeFor[msgpack.Marshaler]()
	binaryMarshalerType = reflect.TypeFor[encoding.BinaryMarshaler]()
	zeroerType          = reflect.TypeFor[interface{ IsZero() bool }]()
)

// canEncode reports whether the plan encodes as msgpack/v5 does: no type
// in it has encoding methods, and no omitempty field has an IsZero method
// (which msgpack/v5 asks instead of looking at the value).
func (n *planNode) canEncode() bool {
	timeOrPointer := n.op == opTime || (n.op == opPtr && n.elem.op == opTime)
	if !timeOrPointer && hasMethods(n.typ, encodingMethods) {
		return false
	}
	if n.elem != nil && !n.elem.canEncode() {
		return false
	}
	for _, f := range n.fields {
		if f.omitEmpty && f.node.typ.Implements(zeroerType) {
			return false
		}
		if !f.node.canEncode() {
			return false
		}
	}
	return true
}

// empty reports whether omitempty leaves out the value at p.
func (n *planNode) empty(p unsafe.Pointer) bool {
	switch n.op {
	case opBool:
		return !*(*bool)(p)
	case opInt, opUint:
		return loadBits(p, n.size) == 0
	case opFloat32:
		return *(*float32)(p) == 0
	case opFloat64:
		return *(*float64)(p) == 0
	case opString:
		return len(*(*string)(p)) == 0
	case opBytes, opStrings, opSlice:
		return (*[3]int)(p)[1] == 0 // a slice's length
	case opMap:
		return reflect.NewAt(n.typ, p).Elem().Len() == 0
	case opPtr:
		return *(*unsafe.Pointer)(p) == nil
	case opStruct:
		for _, f := range n.fields {
			if !f.omitEmpty || !f.node.empty(unsafe.Add(p, f.off)) {
				return false
			}
		}
		return true
	}
	return false
}

func appendCode(dst []byte, c byte, n uint64, size int) []byte {
	dst = append(dst, c)
	switch size {
	case 1:
		return append(dst, byte(n))
	case 2:
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	case 4:
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	return binary.BigEndian.AppendUint64(dst, n)
}

// appendLen writes a length with a fix code (nil when fix is 0) or one of
// 8, 16 or 32 bits (c8 0 when there is none), as msgpack/v5 chooses.
func appendLen(dst []byte, l int, fix byte, fixMax int, c8, c16, c32 byte) []byte {
	switch {
	case fix != 0 && l < fixMax:
		return append(dst, fix|byte(l))
	case c8 != 0 && l < 256:
		return appendCode(dst, c8, uint64(l), 1)
	case l <= math.MaxUint16:
		return appendCode(dst, c16, uint64(l), 2)
	}
	return appendCode(dst, c32, uint64(l), 4)
}

func appendStr(dst []byte, s string) []byte {
	return append(appendLen(dst, len(s), 0xa0, 32, 0xd9, 0xda, 0xdb), s...)
}

func appendArrayLen(dst []byte, l int) []byte { return appendLen(dst, l, 0x90, 16, 0, 0xdc, 0xdd) }

func appendMapLen(dst []byte, l int) []byte { return appendLen(dst, l, 0x80, 16, 0, 0xde, 0xdf) }

// appendUint writes n in the fewest bytes, as msgpack/v5's EncodeUint.
func appendUint(dst []byte, n uint64) []byte {
	switch {
	case n <= math.MaxInt8:
		return append(dst, byte(n))
	case n <= math.MaxUint8:
		return appendCode(dst, 0xcc, n, 1)
	case n <= math.MaxUint16:
		return appendCode(dst, 0xcd, n, 2)
	case n <= math.MaxUint32:
		return appendCode(dst, 0xce, n, 4)
	}
	return appendCode(dst, 0xcf, n, 8)
}

// appendInt writes n in the fewest bytes, as msgpack/v5's EncodeInt.
func appendInt(dst []byte, n int64) []byte {
	switch {
	case n >= 0:
		return appendUint(dst, uint64(n))
	case n >= -32:
		return append(dst, byte(n))
	case n >= math.MinInt8:
		return appendCode(dst, 0xd0, uint64(n), 1)
	case n >= math.MinInt16:
		return appendCode(dst, 0xd1, uint64(n), 2)
	case n >= math.MinInt32:
		return appendCode(dst, 0xd2, uint64(n), 4)
	}
	return appendCode(dst, 0xd3, uint64(n), 8)
}

// encode appends the value at p, of n's type.
func (n *planNode) encode(dst []byte, p unsafe.Pointer) []byte {
	switch n.op {
	case opBool:
		if *(*bool)(p) {
			return append(dst, 0xc3)
		}
		return append(dst, 0xc2)
	case opInt, opUint:
		bits := loadBits(p, n.size)
		switch {
		case n.kind == reflect.Int: // sign-extended, whatever its width
			return appendInt(dst, int64(*(*int)(p)))
		case n.kind == reflect.Uint:
			return appendUint(dst, bits)
		}
		// The sized kinds keep their width: int8 to int64 are 0xd0 to
		// 0xd3, uint8 to uint64 0xcc to 0xcf.
		c := byte(0xcc)
		if n.op == opInt {
			c = 0xd0
		}
		return appendCode(dst, c+byte(mathbits.TrailingZeros(uint(n.size))), bits, int(n.size))
	case opFloat32:
		return appendCode(dst, 0xca, uint64(math.Float32bits(*(*float32)(p))), 4)
	case opFloat64:
		return appendCode(dst, 0xcb, math.Float64bits(*(*float64)(p)), 8)
	case opString:
		return appendStr(dst, *(*string)(p))
	case opBytes:
		b := *(*[]byte)(p)
		if b == nil {
			return append(dst, 0xc0)
		}
		return append(appendLen(dst, len(b), 0, 0, 0xc4, 0xc5, 0xc6), b...)
	case opStrings:
		ss := *(*[]string)(p)
		if ss == nil {
			return append(dst, 0xc0)
		}
		dst = appendArrayLen(dst, len(ss))
		for _, s := range ss {
			dst = appendStr(dst, s)
		}
		return dst
	case opSlice:
		h := (*struct {
			data     unsafe.Pointer
			len, cap int
		})(p)
		if h.data == nil {
			return append(dst, 0xc0)
		}
		dst = appendArrayLen(dst, h.len)
		size := n.elem.typ.Size()
		for i := range h.len {
			dst = n.elem.encode(dst, unsafe.Add(h.data, uintptr(i)*size))
		}
		return dst
	case opMap:
		return n.encodeMap(dst, p)
	case opTime:
		return appendTime(dst, *(*time.Time)(p))
	case opPtr:
		e := *(*unsafe.Pointer)(p)
		if e == nil {
			return append(dst, 0xc0)
		}
		return n.elem.encode(dst, e)
	case opStruct:
		count := 0
		for _, f := range n.fields {
			if !f.omitEmpty || !f.node.empty(unsafe.Add(p, f.off)) {
				count++
			}
		}
		dst = appendMapLen(dst, count)
		for _, f := range n.fields {
			fp := unsafe.Add(p, f.off)
			if f.omitEmpty && f.node.empty(fp) {
				continue
			}
			dst = f.node.encode(appendStr(dst, f.name), fp)
		}
		return dst
	}
	panic("codec: unknown plan op") // newPlan makes no other
}

func (n *planNode) encodeMap(dst []byte, p unsafe.Pointer) []byte {
	m := reflect.NewAt(n.typ, p).Elem()
	if m.IsNil() {
		return append(dst, 0xc0)
	}
	dst = appendMapLen(dst, m.Len())
	t := n.mapTemps()
	defer n.release(t)
	var it reflect.MapIter
	it.Reset(m)
	for it.Next() {
		t.key.SetIterKey(&it)
		t.val.SetIterValue(&it)
		dst = appendStr(dst, t.key.String())
		dst = n.elem.encode(dst, t.val.Addr().UnsafePointer())
	}
	return dst
}

// appendTime writes tm as msgpack/v5's extension -1: seconds in 4 bytes
// when they fit 32 bits and there are no nanoseconds, nanoseconds and
// seconds in 8 when the seconds fit 34 bits, else 12.
func appendTime(dst []byte, tm time.Time) []byte {
	secs := uint64(tm.Unix())
	if secs>>34 == 0 {
		data := uint64(tm.Nanosecond())<<34 | secs
		if data>>32 == 0 {
			return binary.BigEndian.AppendUint32(append(dst, 0xd6, 0xff), uint32(data))
		}
		return binary.BigEndian.AppendUint64(append(dst, 0xd7, 0xff), data)
	}
	dst = binary.BigEndian.AppendUint32(append(dst, 0xc7, 12, 0xff), uint32(tm.Nanosecond()))
	return binary.BigEndian.AppendUint64(dst, secs)
}
