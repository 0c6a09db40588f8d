package codec

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestPlanEncodesAsLibrary checks that the plan writes what msgpack/v5
// writes, omitempty included, for random values.
func TestPlanEncodesAsLibrary(t *testing.T) {
	f := bigFiller(rand.New(rand.NewPCG(7, 8)))
	leaf := Msgpack[planLeaf]().(*msgpackCodec[planLeaf])
	omit := Msgpack[planOmit]().(*msgpackCodec[planOmit])
	doc := Msgpack[planDoc]().(*msgpackCodec[planDoc])
	for range 500 {
		var l planLeaf
		f.fill(reflect.ValueOf(&l).Elem(), 0)
		checkEncoded(t, leaf, l, true)
		var o planOmit
		f.fill(reflect.ValueOf(&o).Elem(), 0)
		checkEncoded(t, omit, o, len(o.M) <= 1)
		var d planDoc
		f.fill(reflect.ValueOf(&d).Elem(), 0)
		checkEncoded(t, doc, d, false)
	}
	checkEncoded(t, omit, planOmit{}, true)
}

// upper is written in capitals and read as it is: decoding is plain.
type upper string

func (u upper) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(u))), nil }

type zeroer struct{ N int }

func (z zeroer) IsZero() bool { return z.N == 1 }

// TestPlanRefusesEncoding checks the types whose plan decodes but leaves
// encoding to msgpack/v5.
func TestPlanRefusesEncoding(t *testing.T) {
	type marshals struct{ T upper }
	type omitsZeroer struct {
		Z zeroer `msgpack:",omitempty"`
	}
	m := Msgpack[marshals]().(*msgpackCodec[marshals])
	z := Msgpack[omitsZeroer]().(*msgpackCodec[omitsZeroer])
	if m.plan() == nil {
		t.Fatal("no decoding plan for marshals")
	}
	if z.plan() == nil {
		t.Fatal("no decoding plan for omitsZeroer")
	}
	if m.encodePlan() != nil || z.encodePlan() != nil {
		t.Fatal("got an encoding plan")
	}
	// msgpack/v5 asks IsZero: {N: 1} is left out.
	b, err := z.Encode(nil, omitsZeroer{Z: zeroer{N: 1}})
	if err != nil || !bytes.Equal(b, []byte{0x80}) {
		t.Fatalf("Encode = %x, %v; want 80", b, err)
	}
}

// TestPlanEncodesIntegerBoundaries writes the integers at the edges of
// every msgpack form into every integer field: the plan must choose the
// forms msgpack/v5 chooses.
func TestPlanEncodesIntegerBoundaries(t *testing.T) {
	leaf := Msgpack[planLeaf]().(*msgpackCodec[planLeaf])
	for _, n := range []int64{0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64} {
		checkEncoded(t, leaf, planLeaf{
			I: int(n), I8: int8(n), I16: int16(n), I32: int32(n), I64: n, Level: planLevel(n),
			U: uint(n), U8: uint8(n), U16: uint16(n), U32: uint32(n), U64: uint64(n),
		}, true)
	}
}
