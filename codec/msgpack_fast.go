package codec

import (
	"encoding/binary"
	"math"
	"reflect"
	"time"
	"unsafe"
)

// planDecoder reads one msgpack value, already checked by checkMsgpack,
// through a plan. Every method returns false to give up.
type planDecoder struct {
	data []byte
	i    int
	// block holds the bytes of every string and byte slice decoded, so
	// that they cost one allocation; its capacity, the payload
	// checkMsgpack counted, is never outgrown, so what was handed out
	// stays where it is.
	block     []byte
	blockSize int // made on first use: many values hold no string
	// skipped counts the string and binary bytes of values skipped
	// (unknown fields) once the block was made: room in it nothing uses.
	skipped int
}

// wasteful reports whether the block holds much more room than the value
// uses, as when a field since removed from the type held a large string:
// the value would keep that room alive, so it is decoded by msgpack/v5.
func (d *planDecoder) wasteful() bool {
	return d.skipped > 256 && d.skipped > len(d.block)/4
}

func (d *planDecoder) code() (byte, bool) {
	if d.i >= len(d.data) {
		return 0, false
	}
	c := d.data[d.i]
	d.i++
	return c, true
}

// uintN reads a big-endian unsigned integer of n bytes (1, 2, 4 or 8).
func (d *planDecoder) uintN(n int) (uint64, bool) {
	if len(d.data)-d.i < n {
		return 0, false
	}
	b := d.data[d.i : d.i+n]
	d.i += n
	switch n {
	case 1:
		return uint64(b[0]), true
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), true
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), true
	default:
		return binary.BigEndian.Uint64(b), true
	}
}

// integer reads any msgpack integer (or nil, as 0) as its 64 bits, signed
// ones sign-extended: msgpack/v5 then converts them to the field's kind as
// Go conversions do, which keeps the low bits.
func (d *planDecoder) integer(c byte) (bits uint64, ok bool) {
	switch {
	case c <= 0x7f || c >= 0xe0: // fixints
		return uint64(int64(int8(c))), true
	case c == 0xc0:
		return 0, true
	case c >= 0xcc && c <= 0xcf: // uint 8, 16, 32, 64
		return d.uintN(1 << (c - 0xcc))
	case c >= 0xd0 && c <= 0xd3: // int 8, 16, 32, 64
		n := 1 << (c - 0xd0)
		u, ok := d.uintN(n)
		switch n { // sign-extend
		case 1:
			u = uint64(int64(int8(u)))
		case 2:
			u = uint64(int64(int16(u)))
		case 4:
			u = uint64(int64(int32(u)))
		}
		return u, ok
	}
	return 0, false
}

// strLen reads the length after a str or bin code, -1 for nil.
func (d *planDecoder) strLen(c byte) (int, bool) {
	switch {
	case c >= 0xa0 && c <= 0xbf:
		return int(c & 0x1f), true
	case c == 0xc0:
		return -1, true
	case c == 0xd9 || c == 0xc4:
		n, ok := d.uintN(1)
		return int(n), ok
	case c == 0xda || c == 0xc5:
		n, ok := d.uintN(2)
		return int(n), ok
	case c == 0xdb || c == 0xc6:
		n, ok := d.uintN(4)
		return int(n), ok
	}
	return 0, false
}

// containerLen reads the length of an array (fix 0x90, 16-bit, 32-bit
// codes given) or a map, -1 for nil.
func (d *planDecoder) containerLen(c, fix, c16, c32 byte) (int, bool) {
	switch {
	case c >= fix && c <= fix|0x0f:
		return int(c & 0x0f), true
	case c == 0xc0:
		return -1, true
	case c == c16:
		n, ok := d.uintN(2)
		return int(n), ok
	case c == c32:
		n, ok := d.uintN(4)
		return int(n), ok
	}
	return 0, false
}

// arrayLen reads the length of an array, -1 for nil.
func (d *planDecoder) arrayLen() (int, bool) {
	c, ok := d.code()
	if !ok {
		return 0, false
	}
	return d.containerLen(c, 0x90, 0xdc, 0xdd)
}

// mapLen reads the length of a map, -1 for nil.
func (d *planDecoder) mapLen() (int, bool) {
	c, ok := d.code()
	if !ok {
		return 0, false
	}
	return d.containerLen(c, 0x80, 0xde, 0xdf)
}

// payload returns the next n bytes, copied into the block.
func (d *planDecoder) payload(n int) ([]byte, bool) {
	if d.block == nil {
		// What was skipped before needs no room.
		d.block = make([]byte, 0, max(d.blockSize-d.skipped, n))
		d.skipped = 0
	}
	if len(d.data)-d.i < n || cap(d.block)-len(d.block) < n {
		return nil, false
	}
	start := len(d.block)
	d.block = append(d.block, d.data[d.i:d.i+n]...)
	d.i += n
	return d.block[start : start+n : start+n], true
}

func (d *planDecoder) str() (string, bool) {
	c, ok := d.code()
	if !ok {
		return "", false
	}
	n, ok := d.strLen(c)
	if !ok || n <= 0 {
		return "", ok
	}
	b, ok := d.payload(n)
	if !ok {
		return "", false
	}
	return unsafe.String(&b[0], n), true
}

// skip passes over one value, counting its strings' bytes as skipped.
func (d *planDecoder) skip() bool {
	end, payload, err := walkMsgpack(d.data, d.i)
	if err != nil {
		return false
	}
	d.i, d.skipped = end, d.skipped+payload
	return true
}

// decode reads one value of n's type into p, which holds the zero value.
func (d *planDecoder) decode(n *planNode, p unsafe.Pointer) bool {
	switch n.op {
	case opString:
		s, ok := d.str()
		*(*string)(p) = s
		return ok
	case opStruct:
		return d.decodeStruct(n, p)
	case opStrings:
		return d.decodeStrings(p)
	case opSlice:
		return d.decodeSlice(n, p)
	case opMap:
		return d.decodeMap(n, p)
	case opTime:
		return d.decodeTime(p)
	case opPtr:
		if d.i < len(d.data) && d.data[d.i] == 0xc0 {
			d.i++
			return true
		}
		e := reflect.New(n.typ.Elem())
		*(*unsafe.Pointer)(p) = e.UnsafePointer()
		return d.decode(n.elem, e.UnsafePointer())
	}
	c, ok := d.code()
	if !ok {
		return false
	}
	switch n.op {
	case opBool:
		switch c {
		case 0xc0, 0xc2:
		case 0xc3:
			*(*bool)(p) = true
		default:
			return false
		}
	case opInt, opUint:
		bits, ok := d.integer(c)
		if !ok {
			return false
		}
		storeBits(p, n.size, bits)
	case opFloat32:
		if c != 0xca {
			return false
		}
		bits, ok := d.uintN(4)
		// Through float64 as msgpack/v5 does (reflect's SetFloat), which
		// is not the identity for a signalling NaN.
		reflect.NewAt(n.typ, p).Elem().SetFloat(float64(math.Float32frombits(uint32(bits))))
		return ok
	case opFloat64:
		switch c {
		case 0xca:
			bits, ok := d.uintN(4)
			*(*float64)(p) = float64(math.Float32frombits(uint32(bits)))
			return ok
		case 0xcb:
			bits, ok := d.uintN(8)
			*(*float64)(p) = math.Float64frombits(bits)
			return ok
		}
		return false
	case opBytes:
		l, ok := d.strLen(c)
		switch {
		case !ok:
			return false
		case l == 0:
			*(*[]byte)(p) = []byte{}
		case l > 0:
			b, ok := d.payload(l)
			*(*[]byte)(p) = b
			return ok
		}
	default:
		return false
	}
	return true
}

func (d *planDecoder) decodeStruct(n *planNode, p unsafe.Pointer) bool {
	count, ok := d.mapLen()
	if !ok {
		return false // an array-encoded struct, or no struct at all
	}
	var seen uint64
	next := 0 // fields usually come in declaration order
	for range count {
		c, ok := d.code()
		if !ok || !(c >= 0xa0 && c <= 0xbf || c >= 0xd9 && c <= 0xdb) {
			return false // a name that is not a str
		}
		l, ok := d.strLen(c)
		if !ok || len(d.data)-d.i < l {
			return false
		}
		name := d.data[d.i : d.i+l]
		d.i += l
		f := -1
		for j := range n.fields {
			k := (next + j) % len(n.fields)
			if n.fields[k].name == string(name) {
				f = k
				break
			}
		}
		if f < 0 {
			if !d.skip() { // msgpack/v5 skips unknown fields too
				return false
			}
			continue
		}
		if seen&(1<<f) != 0 {
			return false
		}
		seen |= 1 << f
		next = f + 1
		if !d.decode(n.fields[f].node, unsafe.Add(p, n.fields[f].off)) {
			return false
		}
	}
	return true
}

func (d *planDecoder) decodeStrings(p unsafe.Pointer) bool {
	count, ok := d.arrayLen()
	if !ok || count < 0 {
		return ok
	}
	ss := make([]string, count)
	for i := range ss {
		if ss[i], ok = d.str(); !ok {
			return false
		}
	}
	*(*[]string)(p) = ss
	return true
}

func (d *planDecoder) decodeSlice(n *planNode, p unsafe.Pointer) bool {
	count, ok := d.arrayLen()
	if !ok || count < 0 {
		return ok
	}
	// Grow the slice in place: reflect.MakeSlice would allocate a header
	// besides the array.
	v := reflect.NewAt(n.typ, p).Elem()
	if count == 0 {
		v.Set(reflect.MakeSlice(n.typ, 0, 0))
		return true
	}
	v.Grow(count)
	v.SetLen(count)
	base, size := v.UnsafePointer(), n.elem.typ.Size()
	for i := range count {
		if !d.decode(n.elem, unsafe.Add(base, uintptr(i)*size)) {
			return false
		}
	}
	return true
}

func (d *planDecoder) decodeMap(n *planNode, p unsafe.Pointer) bool {
	count, ok := d.mapLen()
	if !ok || count < 0 {
		return ok
	}
	m := reflect.MakeMapWithSize(n.typ, count)
	reflect.NewAt(n.typ, p).Elem().Set(m)
	t := n.mapTemps()
	defer n.release(t)
	for range count {
		k, ok := d.str()
		if !ok {
			return false
		}
		t.key.SetString(k)
		if !d.decode(n.elem, t.val.Addr().UnsafePointer()) {
			return false
		}
		m.SetMapIndex(t.key, t.val)
		t.val.SetZero()
	}
	return true
}

// decodeTime reads msgpack/v5's time extension (type -1, 4, 8 or 12
// bytes) as it does: time.Unix in the local zone, the zero time in UTC.
// Nil gives up: msgpack/v5 fails on it.
func (d *planDecoder) decodeTime(p unsafe.Pointer) bool {
	c, ok := d.code()
	if !ok {
		return false
	}
	var n uint64
	switch c {
	case 0xd6:
		n = 4
	case 0xd7:
		n = 8
	case 0xc7:
		if n, ok = d.uintN(1); !ok {
			return false
		}
	default:
		return false
	}
	if typ, ok := d.uintN(1); !ok || typ != 0xff {
		return false
	}
	var tm time.Time
	switch n {
	case 4:
		sec, ok := d.uintN(4)
		if !ok {
			return false
		}
		tm = time.Unix(int64(sec), 0)
	case 8:
		b, ok := d.uintN(8)
		if !ok {
			return false
		}
		tm = time.Unix(int64(b&(1<<34-1)), int64(b>>34))
	case 12:
		nsec, ok := d.uintN(4)
		if !ok {
			return false
		}
		sec, ok := d.uintN(8)
		if !ok {
			return false
		}
		tm = time.Unix(int64(sec), int64(nsec))
	default:
		return false
	}
	if tm.IsZero() {
		tm = tm.UTC()
	}
	*(*time.Time)(p) = tm
	return true
}
