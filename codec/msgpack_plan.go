package codec

import (
	"encoding"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/tagparser/v2"
)

// A plan decodes the msgpack encoding of one Go type of plain data
// (structs of booleans, numbers, strings, byte slices, times, slices,
// string-keyed maps and pointers) without the reflection msgpack/v5 does
// per value, and with the strings and byte slices of one decoded value in
// one allocation instead of one each. It gives exactly what msgpack/v5
// gives (skipping unknown fields as it does), or gives up: any code it
// does not expect, or a repeated struct field, makes Decode start again
// with msgpack/v5, so only speed depends on it. Encoding is in
// msgpack_encode_plan.go.

// planOp is what a planNode decodes.
type planOp uint8

const (
	opBool planOp = iota
	opInt
	opUint
	opFloat32
	opFloat64
	opString
	opBytes   // exactly []byte
	opStrings // exactly []string: opSlice would do, 8 % slower on EncodePlain
	opSlice
	opMap // keyed by exactly string
	opPtr
	opStruct
	opTime // time.Time, which msgpack/v5 writes as extension -1
)

type planNode struct {
	op     planOp
	kind   reflect.Kind
	typ    reflect.Type
	size   uintptr     // of an opInt or opUint value, in bytes
	elem   *planNode   // of a slice, a map's values, a pointer's target
	fields []planField // of a struct, in declaration order
	temps  sync.Pool   // *mapTemps of an opMap, zero while in the pool
}

// mapTemps holds a map's key and value between reflect and the plan.
type mapTemps struct{ key, val reflect.Value }

// mapTemps returns a zero key and value of map node n's types.
func (n *planNode) mapTemps() *mapTemps {
	if t, ok := n.temps.Get().(*mapTemps); ok {
		return t
	}
	return &mapTemps{reflect.New(n.typ.Key()).Elem(), reflect.New(n.typ.Elem()).Elem()}
}

// release zeroes t, so that the pool holds nothing of a caller's, and
// puts it back.
func (n *planNode) release(t *mapTemps) {
	t.key.SetZero()
	t.val.SetZero()
	n.temps.Put(t)
}

type planField struct {
	name      string
	off       uintptr
	node      *planNode
	omitEmpty bool
}

// loadBits reads the integer of size bytes at p, zero-extended; only its
// low size bytes mean anything.
func loadBits(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}

// storeBits writes the low size bytes of bits at p, as a conversion to an
// integer of that size does.
func storeBits(p unsafe.Pointer, size uintptr, bits uint64) {
	switch size {
	case 1:
		*(*uint8)(p) = uint8(bits)
	case 2:
		*(*uint16)(p) = uint16(bits)
	case 4:
		*(*uint32)(p) = uint32(bits)
	default:
		*(*uint64)(p) = bits
	}
}

// maxPlanFields bounds the fields of a struct a plan decodes: one bit
// each marks the fields seen, so that a repeated key gives up.
const maxPlanFields = 64

var (
	customDecoderType     = reflect.TypeFor[msgpack.CustomDecoder]()
	unmarshalerType       = reflect.TypeFor[msgpack.Unmarshaler]()
	binaryUnmarshalerType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	bytesType             = reflect.TypeFor[[]byte]()
	stringsType           = reflect.TypeFor[[]string]()
	stringType            = reflect.TypeFor[string]()
	timeType              = reflect.TypeFor[time.Time]()
)

// decodingMethods and encodingMethods are the interfaces through which
// msgpack/v5 hands a value to methods of its own.
var (
	decodingMethods = []reflect.Type{customDecoderType, unmarshalerType, binaryUnmarshalerType, textUnmarshalerType}
	encodingMethods = []reflect.Type{customEncoderType, marshalerType, binaryMarshalerType, textMarshalerType}
)

// hasMethods reports whether t, or *t, implements one of ifaces.
func hasMethods(t reflect.Type, ifaces []reflect.Type) bool {
	for _, i := range ifaces {
		if t.Implements(i) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(i)) {
			return true
		}
	}
	return false
}

// newPlan returns the plan for a struct type t, or a pointer to one, or
// nil when t holds anything a plan does not decode: interfaces, arrays,
// maps not keyed by string, types with decoding methods of their own,
// embedded fields, interned or aliased fields, array-encoded structs, more
// than maxPlanFields fields, and recursive types. time.Time, which has
// decoding methods, is planned as the extension msgpack/v5 registers.
func newPlan(t reflect.Type) *planNode {
	if t.Kind() == reflect.Pointer {
		if t.Elem().Kind() != reflect.Struct {
			return nil
		}
	} else if t.Kind() != reflect.Struct {
		return nil
	}
	return planFor(t, map[reflect.Type]bool{})
}

func planFor(t reflect.Type, open map[reflect.Type]bool) *planNode {
	if t == timeType { // msgpack/v5 registers its own extension for it
		return &planNode{op: opTime, typ: t, kind: t.Kind(), size: t.Size()}
	}
	// A pointer to time.Time is msgpack/v5's nil-aware pointer to its
	// extension, whatever methods *time.Time has.
	if hasMethods(t, decodingMethods) && (t.Kind() != reflect.Pointer || t.Elem() != timeType) {
		return nil
	}
	n := &planNode{typ: t, kind: t.Kind(), size: t.Size()}
	switch t.Kind() {
	case reflect.Bool:
		n.op = opBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n.op = opInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n.op = opUint
	case reflect.Float32:
		n.op = opFloat32
	case reflect.Float64:
		n.op = opFloat64
	case reflect.String:
		n.op = opString
	case reflect.Slice:
		switch {
		case t == bytesType:
			n.op = opBytes
		case t == stringsType:
			n.op = opStrings
		case t.Elem().Kind() == reflect.Uint8:
			return nil // msgpack/v5 reads these as binaries, with SetBytes
		default:
			n.op = opSlice
		}
	case reflect.Map:
		if t.Key() != stringType {
			return nil
		}
		n.op = opMap
	case reflect.Pointer:
		n.op = opPtr
	case reflect.Struct:
		n.op = opStruct
		if open[t] {
			return nil
		}
		open[t] = true
		defer delete(open, t)
		if !planFields(n, t, open) {
			return nil
		}
		return n
	default:
		return nil
	}
	if n.op == opSlice || n.op == opMap || n.op == opPtr {
		if n.elem = planFor(t.Elem(), open); n.elem == nil {
			return nil
		}
	}
	return n
}

// planFields names the fields of struct t as msgpack/v5 does: the tag's
// name, else the Go name; unexported fields and those tagged "-" left out.
func planFields(n *planNode, t reflect.Type, open map[reflect.Type]bool) bool {
	seen := map[string]bool{}
	omitAll := false // from a _msgpack field, for the fields after it
	for i := range t.NumField() {
		f := t.Field(i)
		tag := tagparser.Parse(f.Tag.Get("msgpack"))
		if tag.Name == "-" {
			continue
		}
		if f.Name == "_msgpack" {
			if tag.HasOption("as_array") || tag.HasOption("asArray") {
				return false
			}
			omitAll = omitAll || tag.HasOption("omitempty")
		}
		if f.Anonymous {
			return false
		}
		if !f.IsExported() {
			continue
		}
		if tag.HasOption("intern") || tag.HasOption("alias") {
			return false
		}
		name := tag.Name
		if name == "" {
			name = f.Name
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		fn := planFor(f.Type, open)
		if fn == nil {
			return false
		}
		n.fields = append(n.fields, planField{name: name, off: f.Offset, node: fn,
			omitEmpty: omitAll || tag.HasOption("omitempty")})
	}
	return len(n.fields) <= maxPlanFields
}

// sample fills the value at p, of n's type, with something in every field
// (one element in each slice and map), for checking a plan against
// msgpack/v5 before it is used.
func (n *planNode) sample(p unsafe.Pointer) {
	v := reflect.NewAt(n.typ, p).Elem()
	switch n.op {
	case opBool:
		v.SetBool(true)
	case opInt:
		v.SetInt(-3)
	case opUint:
		v.SetUint(7)
	case opFloat32, opFloat64:
		v.SetFloat(1.5)
	case opString:
		v.SetString("s")
	case opBytes:
		v.SetBytes([]byte("b"))
	case opStrings:
		v.Set(reflect.ValueOf([]string{"t"}))
	case opSlice:
		s := reflect.MakeSlice(n.typ, 1, 1)
		n.elem.sample(s.Index(0).Addr().UnsafePointer())
		v.Set(s)
	case opMap:
		m := reflect.MakeMapWithSize(n.typ, 1)
		e := reflect.New(n.typ.Elem())
		n.elem.sample(e.UnsafePointer())
		m.SetMapIndex(reflect.ValueOf("k").Convert(n.typ.Key()), e.Elem())
		v.Set(m)
	case opPtr:
		e := reflect.New(n.typ.Elem())
		n.elem.sample(e.UnsafePointer())
		v.Set(e)
	case opStruct:
		for _, f := range n.fields {
			f.node.sample(unsafe.Add(p, f.off))
		}
	case opTime:
		*(*time.Time)(p) = time.Unix(1<<33, 5) // the 8-byte form
	}
}
