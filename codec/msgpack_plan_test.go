package codec

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vmihailenco/msgpack/v5"
)

// TestPlanDecodesEncodedValues checks that the plan decodes what
// msgpack/v5 encodes, every time, to what msgpack/v5 decodes: so Decode
// takes the plan for these types and gives the library's answer.
func TestPlanDecodesEncodedValues(t *testing.T) {
	f := bigFiller(rand.New(rand.NewPCG(3, 4)))
	doc := Msgpack[planDoc]().(*msgpackCodec[planDoc])
	leaf := Msgpack[planLeaf]().(*msgpackCodec[planLeaf])
	for i := range 500 {
		var v planDoc
		f.fill(reflect.ValueOf(&v).Elem(), 0)
		v.hidden = 9 // unexported: neither encoded nor decoded
		data, err := doc.Encode(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if !checkPlanned(t, doc, data) {
			t.Fatalf("value %d: the plan gave up on an encoded planDoc: %x", i, data)
		}
		got, err := doc.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		v.Skipped, v.hidden = "", 0
		if diff := cmp.Diff(v, got, roundTrip...); diff != "" {
			t.Fatalf("value %d: round trip differs (-want +got):\n%s", i, diff)
		}
		var l planLeaf
		f.fill(reflect.ValueOf(&l).Elem(), 0)
		if data, err = leaf.Encode(nil, l); err != nil {
			t.Fatal(err)
		}
		if !checkPlanned(t, leaf, data) {
			t.Fatalf("value %d: the plan gave up on an encoded planLeaf: %x", i, data)
		}
	}
}

// TestPlanSkipsRemovedFields decodes values written with fields the type
// no longer has, as msgpack/v5 does: they are skipped.
func TestPlanSkipsRemovedFields(t *testing.T) {
	old := Msgpack[planDocV1]()
	data, err := old.Encode(nil, planDocV1{
		ID: 7, Name: "n", Old: time.Unix(5, 6),
		Legacy: map[string]any{"a": []any{1, "x", map[string]any{"b": nil}}, "c": 2.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := Msgpack[planDoc]().(*msgpackCodec[planDoc])
	if !checkPlanned(t, doc, data) {
		t.Fatalf("the plan gave up on removed fields: %x", data)
	}
}

// TestPlanGivesUp checks inputs the plan leaves to msgpack/v5, which
// decodes them all the same.
func TestPlanGivesUp(t *testing.T) {
	doc := Msgpack[planDoc]().(*msgpackCodec[planDoc])
	enc := func(v any) []byte {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, data := range map[string][]byte{
		"array-encoded struct":         enc([]any{1, "x"}),
		"repeated field":               {0x82, 0xa2, 'i', 'd', 0x01, 0xa2, 'i', 'd', 0x02},
		"float where an int":           enc(map[string]any{"id": 1.5}),
		"binary field name":            {0x81, 0xc4, 0x02, 'i', 'd', 0x01},
		"string as a number":           enc(map[string]any{"Leaf": map[string]any{"F64": "x"}}),
		"ext for a string":             enc(map[string]any{"name": time.Unix(1, 0)}),
		"string for a time":            enc(map[string]any{"Leaf": map[string]any{"At": "2024-01-02T03:04:05Z"}}),
		"legacy array time":            enc(map[string]any{"Leaf": map[string]any{"At": []int{1, 2}}}),
		"another extension for a time": {0x81, 0xa4, 'L', 'e', 'a', 'f', 0x81, 0xa2, 'A', 't', 0xd6, 0x05, 0, 0, 0, 1},
	} {
		t.Run(name, func(t *testing.T) {
			if checkPlanned(t, doc, data) {
				t.Fatalf("the plan decoded %x", data)
			}
			// Decode falls back and agrees with the library.
			got, gotErr := doc.Decode(data)
			want, wantErr := doc.decodeLibrary(data)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("Decode error %v, msgpack/v5 error %v", gotErr, wantErr)
			}
			if diff := cmp.Diff(want, got, planCmp...); diff != "" {
				t.Fatalf("Decode and msgpack/v5 differ:\n%s", diff)
			}
		})
	}
}

type registeredInt int

func init() {
	// Stored tenfold: a type whose Go kind a plan would read, with a
	// decoder only msgpack/v5 knows of.
	msgpack.Register(registeredInt(0),
		func(e *msgpack.Encoder, v reflect.Value) error { return e.EncodeInt(v.Int() * 10) },
		func(d *msgpack.Decoder, v reflect.Value) error {
			n, err := d.DecodeInt64()
			v.SetInt(n / 10)
			return err
		})
}

type customText struct{ s string }

func (c *customText) UnmarshalText(b []byte) error { c.s = string(b); return nil }

type planTree struct{ Kids []planTree }

// TestPlanRefusesTypes checks the types that get no plan and go to
// msgpack/v5 whole.
func TestPlanRefusesTypes(t *testing.T) {
	for name, plan := range map[string]func() *planNode{
		"not a struct":    Msgpack[map[string]int]().(*msgpackCodec[map[string]int]).plan,
		"complex":         Msgpack[struct{ C complex128 }]().(*msgpackCodec[struct{ C complex128 }]).plan,
		"interface":       Msgpack[struct{ A any }]().(*msgpackCodec[struct{ A any }]).plan,
		"embedded":        Msgpack[struct{ planLeaf }]().(*msgpackCodec[struct{ planLeaf }]).plan,
		"array":           Msgpack[struct{ A [4]int }]().(*msgpackCodec[struct{ A [4]int }]).plan,
		"int map keys":    Msgpack[struct{ M map[int]string }]().(*msgpackCodec[struct{ M map[int]string }]).plan,
		"recursive":       Msgpack[planTree]().(*msgpackCodec[planTree]).plan,
		"TextUnmarshaler": Msgpack[struct{ C customText }]().(*msgpackCodec[struct{ C customText }]).plan,
		"registered":      Msgpack[struct{ R registeredInt }]().(*msgpackCodec[struct{ R registeredInt }]).plan,
		"as_array": Msgpack[struct {
			_msgpack struct{} `msgpack:",as_array"`
			A        int
		}]().(*msgpackCodec[struct {
			_msgpack struct{} `msgpack:",as_array"`
			A        int
		}]).plan,
		"alias": Msgpack[struct {
			A int `msgpack:"a,alias:b"`
		}]().(*msgpackCodec[struct {
			A int `msgpack:"a,alias:b"`
		}]).plan,
		"intern": Msgpack[struct {
			A string `msgpack:",intern"`
		}]().(*msgpackCodec[struct {
			A string `msgpack:",intern"`
		}]).plan,
		"same name": Msgpack[struct {
			A int `msgpack:"x"`
			B int `msgpack:"x"`
		}]().(*msgpackCodec[struct {
			A int `msgpack:"x"`
			B int `msgpack:"x"`
		}]).plan,
	} {
		if plan() != nil {
			t.Errorf("%s: got a plan", name)
		}
	}
	// The registered type round-trips through Decode, by msgpack/v5.
	c := Msgpack[struct{ R registeredInt }]()
	b, err := c.Encode(nil, struct{ R registeredInt }{R: 4})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Decode(b); err != nil || v.R != 4 {
		t.Fatalf("Decode = %v, %v; want 4", v.R, err)
	}
}

// FuzzPlanMatchesLibrary feeds arbitrary bytes to the plans of planDoc
// and planLeaf: wherever a plan decodes, msgpack/v5 must decode the same.
func FuzzPlanMatchesLibrary(f *testing.F) {
	fl := smallFiller(rand.New(rand.NewPCG(5, 6)))
	for range 8 {
		var v planDoc
		fl.fill(reflect.ValueOf(&v).Elem(), 0)
		b, err := msgpack.Marshal(&v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	doc := Msgpack[planDoc]().(*msgpackCodec[planDoc])
	leaf := Msgpack[planLeaf]().(*msgpackCodec[planLeaf])
	omit := Msgpack[planOmit]().(*msgpackCodec[planOmit])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPlanned(t, doc, data)
		checkPlanned(t, leaf, data)
		checkPlanned(t, omit, data)
		// Whatever decodes, the plan encodes as msgpack/v5 does. (Decode,
		// not decodeLibrary: only checked input keeps msgpack/v5 from
		// allocating what declared lengths ask.)
		if v, err := leaf.Decode(data); err == nil {
			checkEncoded(t, leaf, v, true)
		}
		if v, err := omit.Decode(data); err == nil {
			checkEncoded(t, omit, v, len(v.M) <= 1)
		}
		if v, err := doc.Decode(data); err == nil {
			checkEncoded(t, doc, v, false)
		}
	})
}

// TestPlanIntegerCodes writes integers in every msgpack form, nil
// included, into every integer field of planLeaf: the plan must decode
// each as msgpack/v5 does, sign extension and truncation included.
func TestPlanIntegerCodes(t *testing.T) {
	leaf := Msgpack[planLeaf]().(*msgpackCodec[planLeaf])
	forms := []func(e *msgpack.Encoder) error{
		func(e *msgpack.Encoder) error { return e.EncodeNil() },
		func(e *msgpack.Encoder) error { return e.EncodeInt(5) },  // positive fixint
		func(e *msgpack.Encoder) error { return e.EncodeInt(-7) }, // negative fixint
		func(e *msgpack.Encoder) error { return e.EncodeInt8(-100) },
		func(e *msgpack.Encoder) error { return e.EncodeInt16(-30000) },
		func(e *msgpack.Encoder) error { return e.EncodeInt32(-2e9) },
		func(e *msgpack.Encoder) error { return e.EncodeInt64(math.MinInt64) },
		func(e *msgpack.Encoder) error { return e.EncodeUint8(250) },
		func(e *msgpack.Encoder) error { return e.EncodeUint16(65000) },
		func(e *msgpack.Encoder) error { return e.EncodeUint32(4e9) },
		func(e *msgpack.Encoder) error { return e.EncodeUint64(math.MaxUint64) },
	}
	fields := []string{"I", "I8", "I16", "I32", "I64", "U", "U8", "U16", "U32", "U64", "Level"}
	for _, field := range fields {
		for i, form := range forms {
			var buf bytes.Buffer
			e := msgpack.NewEncoder(&buf)
			if err := e.EncodeMapLen(1); err != nil {
				t.Fatal(err)
			}
			if err := e.EncodeString(field); err != nil {
				t.Fatal(err)
			}
			if err := form(e); err != nil {
				t.Fatal(err)
			}
			if !checkPlanned(t, leaf, buf.Bytes()) {
				t.Errorf("%s, form %d: the plan gave up on %x", field, i, buf.Bytes())
			}
		}
	}
	for _, field := range []string{"On", "S", "Status", "Raw"} {
		data := []byte{0x81, 0xa0 | byte(len(field))}
		data = append(append(data, field...), 0xc0)
		if !checkPlanned(t, leaf, data) {
			t.Errorf("%s: the plan gave up on nil", field)
		}
	}
}

// TestPlanPointerValues checks a plan for a V that points to a struct:
// nil and non-nil, both ways.
func TestPlanPointerValues(t *testing.T) {
	c := Msgpack[*planLeaf]().(*msgpackCodec[*planLeaf])
	f := bigFiller(rand.New(rand.NewPCG(9, 10)))
	for i := range 100 {
		var v *planLeaf
		if i > 0 {
			v = new(planLeaf)
			f.fill(reflect.ValueOf(v).Elem(), 0)
		}
		checkEncoded(t, c, v, true)
		data, err := c.Encode(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if !checkPlanned(t, c, data) {
			t.Fatalf("the plan gave up on %x", data)
		}
	}
}

// TestPlanTimeNil checks nil for a time.Time: msgpack/v5 fails on it
// (reflect panics inside it), so the plan gives up and Decode returns the
// library's error.
func TestPlanTimeNil(t *testing.T) {
	leaf := Msgpack[planLeaf]().(*msgpackCodec[planLeaf])
	data := []byte{0x81, 0xa2, 'A', 't', 0xc0}
	if checkPlanned(t, leaf, data) {
		t.Fatal("the plan decoded nil as a time")
	}
	if _, err := leaf.Decode(data); !errors.Is(err, ErrDecode) {
		t.Fatalf("Decode error %v, want ErrDecode", err)
	}
	// Nil for a *time.Time is a nil pointer, planned.
	if !checkPlanned(t, leaf, []byte{0x81, 0xa5, 'A', 't', 'P', 't', 'r', 0xc0}) {
		t.Fatal("the plan gave up on a nil *time.Time")
	}
}

// TestPlanRemovedLargeField checks what a value written with a large field
// since removed from the type costs: skipped before the first string the
// plan copies, it takes no room in the value's block; skipped after, the
// block would keep it alive, so msgpack/v5 decodes the value instead.
func TestPlanRemovedLargeField(t *testing.T) {
	type before struct {
		Blob string `msgpack:"blob"`
		Name string `msgpack:"name"`
	}
	type after struct {
		Name string `msgpack:"name"`
		Blob string `msgpack:"blob"`
	}
	type current struct {
		Name string `msgpack:"name"`
	}
	c := Msgpack[current]().(*msgpackCodec[current])
	blob := strings.Repeat("b", 10000)
	first, err := msgpack.Marshal(&before{Blob: blob, Name: "n"})
	if err != nil {
		t.Fatal(err)
	}
	if !checkPlanned(t, c, first) {
		t.Fatal("the plan gave up on a large removed field before the copied string")
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range 100 {
		if v, err := c.Decode(first); err != nil || v.Name != "n" {
			t.Fatalf("Decode = %+v, %v", v, err)
		}
	}
	runtime.ReadMemStats(&m1)
	per := (m1.TotalAlloc - m0.TotalAlloc) / 100
	if per > 1000 {
		t.Fatalf("Decode allocated %d bytes a value: the skipped field took room", per)
	}
	last, err := msgpack.Marshal(&after{Name: "n", Blob: blob})
	if err != nil {
		t.Fatal(err)
	}
	if checkPlanned(t, c, last) {
		t.Fatal("the plan decoded a value whose block would hold a large removed field")
	}
	if v, err := c.Decode(last); err != nil || v.Name != "n" {
		t.Fatalf("Decode = %+v, %v", v, err)
	}
}

// TestPlanLongFieldNames decodes fields whose names take a str8 or str16.
func TestPlanLongFieldNames(t *testing.T) {
	type long struct {
		A int    `msgpack:"a_field_name_of_forty_bytes_0123456789ab"`
		B string `msgpack:"b_field_name_of_three_hundred_bytes_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"`
	}
	c := Msgpack[long]().(*msgpackCodec[long])
	v := long{A: 7, B: "b"}
	checkEncoded(t, c, v, true)
	data, err := c.Encode(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if !checkPlanned(t, c, data) {
		t.Fatalf("the plan gave up on long field names: %x", data)
	}
}
