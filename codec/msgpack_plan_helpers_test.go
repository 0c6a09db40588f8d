package codec

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
