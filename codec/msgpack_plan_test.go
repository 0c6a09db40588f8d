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
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/vmihailenco/msgpack/v5"
)

type planStatus string

type planLevel int8

// planLeaf holds every scalar kind a plan decodes.
type planLeaf struct {
	On     bool
	I      int
	I8     int8
	I16    int16
	I32    int32
	I64    int64
	U      uint
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	F32    float32
	F64    float64
	S      string
	Status planStatus
	Level  planLevel
	Raw    []byte
	At     time.Time
	AtPtr  *time.Time
}

// planDoc holds every container a plan decodes, and fields it leaves out.
type planDoc struct {
	ID      int64  `msgpack:"id"`
	Name    string `msgpack:"name,omitempty"`
	Skipped string `msgpack:"-"`
	hidden  int
	Tags    []string `msgpack:"tags"`
	Labels  []planStatus
	Attrs   map[string]string
	Counts  map[string][]int
	Leaf    planLeaf
	LeafPtr *planLeaf
	Leaves  []planLeaf
	Ptrs    []*planLeaf
	ByName  map[string]*planLeaf
	Grid    [][]float64
}

// planDocV1 is planDoc as an older build wrote it: fields since removed
// (Legacy, Old) and a name that is now another field's.
type planDocV1 struct {
	ID     int64 `msgpack:"id"`
	Legacy map[string]any
	Old    time.Time
	Name   string `msgpack:"name"`
}

// roundTrip compares a value with what its encoding decodes to: times
// by instant, since msgpack/v5 decodes every time in the local zone.
var roundTrip = []cmp.Option{cmpopts.EquateNaNs(), cmp.AllowUnexported(planDoc{}, planOmit{})}

// planCmp compares the plan's results with msgpack/v5's: times by instant
// and zone.
var planCmp = append([]cmp.Option{cmp.Comparer(func(a, b time.Time) bool {
	return a.Equal(b) && a.Location() == b.Location()
})}, roundTrip...)

// filler makes random values: nil, empty and full containers, integers of
// every width, strings of every length class.
type filler struct {
	rng      *rand.Rand
	maxDepth int   // containers this deep are nil
	lens     []int // of strings, in runes of two bytes
	counts   []int // of slices and maps
}

// big fills values for round trips; small, seeds for the fuzzer.
func bigFiller(rng *rand.Rand) filler {
	return filler{rng, 4, []int{0, 1, 15, 200, 40000}, []int{0, 1, 3, 20}}
}

func smallFiller(rng *rand.Rand) filler {
	return filler{rng, 2, []int{0, 1, 15, 20}, []int{0, 1, 2}}
}

func (f filler) fill(v reflect.Value, depth int) {
	rng := f.rng
	if k := v.Kind(); k != reflect.Struct && k != reflect.Slice && k != reflect.Map && k != reflect.Pointer && rng.IntN(3) == 0 {
		return // zero, for omitempty
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(rng.Int64() >> rng.IntN(64))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(rng.Uint64() >> rng.IntN(65))
	case reflect.Float32, reflect.Float64:
		v.SetFloat([]float64{0, -1.5, math.Inf(1), rng.NormFloat64() * 1e6}[rng.IntN(4)])
	case reflect.String:
		// The longest class, a str32, is rare: it is slow to compare.
		n := f.lens[rng.IntN(len(f.lens)-1)]
		if rng.IntN(100) == 0 {
			n = f.lens[len(f.lens)-1]
		}
		v.SetString(strings.Repeat("é", n))
	case reflect.Slice, reflect.Map, reflect.Pointer:
		n := f.counts[rng.IntN(len(f.counts))]
		switch {
		case rng.IntN(4) == 0 || depth >= f.maxDepth:
			return // nil
		case v.Kind() == reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem(), depth+1)
		case v.Kind() == reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				f.fill(v.Index(i), depth+1)
			}
		default:
			v.Set(reflect.MakeMapWithSize(v.Type(), n))
			for range n {
				k := reflect.New(v.Type().Key()).Elem()
				k.SetString(strings.Repeat("k", rng.IntN(40)))
				e := reflect.New(v.Type().Elem()).Elem()
				f.fill(e, depth+1)
				v.SetMapIndex(k, e)
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			// Every form: 4 bytes (32-bit seconds, no nanoseconds), 8
			// (34-bit seconds), 12 (the rest, negative included).
			// And the zero time, which msgpack/v5 decodes in UTC.
			if rng.IntN(6) == 0 {
				return
			}
			sec := []int64{0, 1 << 31, 1 << 33, 1 << 40, -1 << 20}[rng.IntN(5)]
			nsec := []int64{0, 999_999_999}[rng.IntN(2)]
			v.Set(reflect.ValueOf(time.Unix(sec, nsec).In(time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth)
			}
		}
	}
}

// checkPlanned decodes data through c's plan and, when the plan does not
// give up, checks that msgpack/v5 decodes it to the same value and that
// the value shares no memory with data. It reports whether the plan
// decoded data.
func checkPlanned[V any](t *testing.T, c *msgpackCodec[V], data []byte) bool {
	t.Helper()
	payload, err := checkMsgpack(data)
	if err != nil {
		return false
	}
	pl := c.plan()
	if pl == nil {
		t.Fatalf("no plan for %T", *new(V))
	}
	in := bytes.Clone(data)
	got, ok := c.decodePlanned(pl, in, payload)
	if !ok {
		return false
	}
	want, err := c.decodeLibrary(data)
	if err != nil {
		t.Fatalf("the plan decoded what msgpack/v5 refuses (%v): %x", err, data)
	}
	if reflect.DeepEqual(want, got) { // quick, but unequal on NaNs
		return true
	}
	if diff := cmp.Diff(want, got, planCmp...); diff != "" {
		t.Fatalf("the plan and msgpack/v5 differ (-library +plan) on %x:\n%s", data, diff)
	}
	for i := range in {
		in[i] = 'X'
	}
	if diff := cmp.Diff(want, got, planCmp...); diff != "" {
		t.Fatalf("overwriting the input changed the planned value:\n%s", diff)
	}
	return true
}

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

// TestPlanAllocations checks the promise of Msgpack's documentation: a
// planned Decode makes one allocation for all the strings and byte slices
// of the value, besides the arrays of its slices and maps.
func TestPlanAllocations(t *testing.T) {
	c := Msgpack[profile]()
	want := newProfile()
	data, err := c.Encode(nil, want)
	if err != nil {
		t.Fatal(err)
	}
	var got profile
	allocs := testing.AllocsPerRun(100, func() {
		if got, err = c.Decode(data); err != nil {
			t.Fatal(err)
		}
	})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Decode (-want +got):\n%s", diff)
	}
	// One for the strings and bytes, one for Tags' array; under the race
	// detector, at times one more for the pooled scratch value.
	limit := 2.0
	if raceEnabled {
		limit = 3
	}
	if allocs > limit {
		t.Fatalf("Decode made %v allocations, want at most %v", allocs, limit)
	}
	// Encode into a buffer with room makes none (one now and then under
	// the race detector, for the pooled scratch value).
	buf := make([]byte, 0, 2*len(data))
	allocs = testing.AllocsPerRun(100, func() {
		if buf, err = c.Encode(buf[:0], want); err != nil {
			t.Fatal(err)
		}
	})
	if !bytes.Equal(buf, data) {
		t.Fatalf("Encode wrote %x, want %x", buf, data)
	}
	if limit = 0; raceEnabled {
		limit = 1
	}
	if allocs > limit {
		t.Fatalf("Encode made %v allocations, want at most %v", allocs, limit)
	}
	// Maps too: their iteration goes through pooled scratch values.
	type withMaps struct {
		Counts map[string]int
		Seen   map[string]time.Time
		Tags   map[string][]string
	}
	mc := Msgpack[withMaps]()
	mv := withMaps{Counts: map[string]int{"a": 1, "b": 2}, Seen: map[string]time.Time{"x": time.Unix(5, 0)},
		Tags: map[string][]string{"t": {"u", "v"}}}
	allocs = testing.AllocsPerRun(100, func() {
		if buf, err = mc.Encode(buf[:0], mv); err != nil {
			t.Fatal(err)
		}
	})
	if limit = 0; raceEnabled {
		limit = 4
	}
	if allocs > limit {
		t.Fatalf("Encode of maps made %v allocations, want at most %v", allocs, limit)
	}
}

// profile is a record of the kind a cache holds: about 1 KiB encoded.
type profile struct {
	ID    int64    `msgpack:"id"`
	Name  string   `msgpack:"name"`
	Email string   `msgpack:"email"`
	Tags  []string `msgpack:"tags"`
	Score float64  `msgpack:"score"`
	Body  string   `msgpack:"body"`
	Raw   []byte   `msgpack:"raw"`
}

func newProfile() profile {
	return profile{ID: 1, Name: "Ada", Email: "ada@example.com", Tags: []string{"a", "bb", "ccc"},
		Score: 0.5, Body: strings.Repeat("body ", 180), Raw: []byte{1, 2, 3}}
}

// BenchmarkMsgpackDecodePlain decodes a plain struct of about 1 KiB with
// msgpack/v5 alone and through Decode, which takes the plan: a baseline in
// the same run.
func BenchmarkMsgpackDecodePlain(b *testing.B) {
	c := Msgpack[profile]().(*msgpackCodec[profile])
	data, err := c.Encode(nil, newProfile())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		decode func([]byte) (profile, error)
	}{{"library", c.decodeLibrary}, {"plan", c.Decode}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// planOmit leaves out its empty fields: all of them, by its _msgpack tag.
type planOmit struct {
	//lint:ignore U1000 msgpack/v5 reads its tag
	_msgpack struct{} `msgpack:",omitempty"`
	On       bool
	I        int
	I8       int8
	U16      uint16
	F32      float32
	F64      float64
	S        string
	Raw      []byte
	Tags     []string
	Ptr      *planLeaf
	Inner    planInner // empty when all its omitempty fields are
	Half     planHalf  // never empty: B is not omitempty
	Leaves   []planLeaf
	M        map[string]int
}

type planInner struct {
	A int    `msgpack:",omitempty"`
	B string `msgpack:",omitempty"`
}

type planHalf struct {
	A int `msgpack:",omitempty"`
	B int
}

// checkEncoded checks that the plan of c encodes v to msgpack/v5's bytes
// (exact: for types without maps, whose entries come in Go's random
// order) or to bytes msgpack/v5 decodes to v.
func checkEncoded[V any](t *testing.T, c *msgpackCodec[V], v V, exact bool) {
	t.Helper()
	if c.encodePlan() == nil {
		t.Fatalf("no encoding plan for %T", v)
	}
	got, err := c.Encode(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.encodeLibrary(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if exact && !bytes.Equal(got, want) {
		t.Fatalf("the plan wrote %x, msgpack/v5 %x", got, want)
	}
	if len(got) != len(want) {
		t.Fatalf("the plan wrote %d bytes, msgpack/v5 %d", len(got), len(want))
	}
	back, err := c.decodeLibrary(got)
	if err != nil {
		t.Fatalf("msgpack/v5 cannot decode what the plan wrote: %v", err)
	}
	again, err := c.decodeLibrary(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(again, back, planCmp...); diff != "" {
		t.Fatalf("what the plan wrote decodes differently (-library +plan):\n%s", diff)
	}
}

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

// BenchmarkMsgpackEncodePlain encodes the struct of
// BenchmarkMsgpackDecodePlain with msgpack/v5 alone and through Encode,
// which takes the plan.
func BenchmarkMsgpackEncodePlain(b *testing.B) {
	c := Msgpack[profile]().(*msgpackCodec[profile])
	v := newProfile()
	for _, bc := range []struct {
		name   string
		encode func([]byte, profile) ([]byte, error)
	}{{"library", c.encodeLibrary}, {"plan", c.Encode}} {
		b.Run(bc.name, func(b *testing.B) {
			buf, err := bc.encode(nil, v)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if buf, err = bc.encode(buf[:0], v); err != nil {
					b.Fatal(err)
				}
			}
		})
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
