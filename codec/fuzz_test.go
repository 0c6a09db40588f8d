package codec_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/livedict/livedict/codec"
)

// fuzzValue is the type the value fuzzers decode into.
type fuzzValue struct {
	S    string
	I    int64
	U    uint16
	F    float64
	B    []byte
	L    []string
	M    map[string]int32
	T    time.Time
	P    *fuzzValue
	Kids []fuzzValue
}

// fuzzValueDecode decodes data with c and, when that succeeds, checks that
// the result does not change when the input is overwritten, and that
// encoding and decoding the result again gives an equal value.
func fuzzValueDecode(t *testing.T, c codec.Codec[fuzzValue], data []byte, opts ...cmp.Option) {
	opts = append(opts, cmpopts.EquateNaNs())
	in := bytes.Clone(data)
	v, err := c.Decode(in)
	if err != nil {
		return
	}
	again, err := c.Decode(data)
	if err != nil {
		t.Fatalf("a second Decode of the same input failed: %v", err)
	}
	for i := range in {
		in[i] = 0xff
	}
	if diff := cmp.Diff(again, v, opts...); diff != "" {
		t.Fatalf("overwriting the input changed the decoded value (-before +after):\n%s", diff)
	}
	b, err := c.Encode(nil, v)
	if err != nil {
		t.Fatalf("Encode of a decoded value: %v", err)
	}
	again, err = c.Decode(b)
	if err != nil {
		t.Fatalf("Decode of a re-encoded value: %v", err)
	}
	if diff := cmp.Diff(v, again, opts...); diff != "" {
		t.Fatalf("re-encoding changed the value (-first +second):\n%s", diff)
	}
}

func fuzzSeeds(f *testing.F, c codec.Codec[fuzzValue]) {
	for _, v := range []fuzzValue{
		{},
		{S: "s", I: -1, U: 2, F: 0.5, B: []byte{1}, L: []string{"a"}, M: map[string]int32{"k": 1},
			T: time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC), P: &fuzzValue{S: "p"}, Kids: []fuzzValue{{I: 1}}},
	} {
		b, err := c.Encode(nil, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzMsgpackDecode(f *testing.F) {
	c := codec.Msgpack[fuzzValue]()
	fuzzSeeds(f, c)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzValueDecode(t, c, data) })
}

func FuzzJSONDecode(f *testing.F) {
	c := codec.JSON[fuzzValue]()
	fuzzSeeds(f, c)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzValueDecode(t, c, data) })
}

func FuzzGobDecode(f *testing.F) {
	c := codec.Gob[fuzzValue]()
	fuzzSeeds(f, c)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzValueDecode(t, c, data, cmpopts.EquateEmpty()) })
}

// FuzzKeyDecode decodes data as an int64, a [16]byte and a string key. The
// key encodings are bijective on their valid inputs, so a key that decodes
// must encode back to exactly data.
func FuzzKeyDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x80, 0, 0, 0, 0, 0, 0, 1})
	f.Add(bytes.Repeat([]byte{0xab}, 16))
	i64, err := codec.KeyFor[int64]()
	if err != nil {
		f.Fatal(err)
	}
	arr, err := codec.KeyFor[[16]byte]()
	if err != nil {
		f.Fatal(err)
	}
	str, err := codec.KeyFor[string]()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzKey(t, i64, data, len(data) == 8)
		fuzzKey(t, arr, data, len(data) == 16)
		fuzzKey(t, str, data, true)
	})
}

func fuzzKey[K comparable](t *testing.T, c codec.KeyCodec[K], data []byte, valid bool) {
	k, err := c.DecodeKey(data)
	if (err == nil) != valid {
		t.Fatalf("DecodeKey(%x) error = %v, want valid = %v", data, err, valid)
	}
	if err != nil {
		return
	}
	b, err := c.EncodeKey(nil, k)
	if err != nil {
		t.Fatalf("EncodeKey(%v): %v", k, err)
	}
	if !bytes.Equal(b, data) {
		t.Fatalf("EncodeKey(DecodeKey(%x)) = %x", data, b)
	}
	again, err := c.DecodeKey(b)
	if err != nil || again != k {
		t.Fatalf("DecodeKey(%x) = %v, %v; want %v", b, again, err, k)
	}
}
