package codec_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/livedict/livedict/codec"
)

// record is a value type with nested maps, slices and times.
type record struct {
	Name    string
	Count   int64
	Ratio   float64
	Tags    []string
	Attrs   map[string][]int
	Created time.Time
	Raw     []byte
	Child   *child
	Kids    []child
}

type child struct {
	ID    uint32
	Seen  map[string]time.Time
	Notes []string
}

func sampleRecord() record {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	return record{
		Name:    "héllo\x00world",
		Count:   -42,
		Ratio:   math.Pi,
		Tags:    []string{"a", "", "ccc"},
		Attrs:   map[string][]int{"x": {1, 2, 3}, "y": {}, "z": nil},
		Created: t0,
		Raw:     []byte{0, 1, 2, 0xff},
		Child:   &child{ID: 7, Seen: map[string]time.Time{"first": t0.Add(-time.Hour)}, Notes: []string{"n"}},
		Kids:    []child{{ID: 1}, {ID: 2, Notes: []string{"x", "y"}}},
	}
}

// valueCodecs are the structured codecs under test, with the comparison
// options each needs: gob does not keep nil apart from empty.
var valueCodecs = []struct {
	name string
	c    codec.Codec[record]
	opts []cmp.Option
}{
	{"msgpack", codec.Msgpack[record](), nil},
	{"json", codec.JSON[record](), nil},
	{"gob", codec.Gob[record](), []cmp.Option{cmpopts.EquateEmpty()}},
}

func TestValueRoundTrip(t *testing.T) {
	big := sampleRecord()
	// A 1 MiB string: go-cmp compares a large []byte element by element,
	// which is slow; TestBytes covers large byte slices.
	big.Name = strings.Repeat("n\u00e9\x00", 1<<18)
	cases := []struct {
		name string
		v    record
	}{
		{"nested", sampleRecord()},
		{"zero", record{}},
		{"empty collections", record{Tags: []string{}, Attrs: map[string][]int{}, Raw: []byte{}, Kids: []child{}}},
		{"large", big},
	}
	for _, vc := range valueCodecs {
		for _, tc := range cases {
			t.Run(vc.name+"/"+tc.name, func(t *testing.T) {
				prefix := []byte("prefix")
				b, err := vc.c.Encode(bytes.Clone(prefix), tc.v)
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				if !bytes.HasPrefix(b, prefix) {
					t.Fatalf("Encode did not append to dst")
				}
				got, err := vc.c.Decode(b[len(prefix):])
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if diff := cmp.Diff(tc.v, got, vc.opts...); diff != "" {
					t.Errorf("round trip mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestValueDecodeGarbage(t *testing.T) {
	good, err := codec.Msgpack[record]().Encode(nil, sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{
		"nil":              nil,
		"empty":            {},
		"text":             []byte("not an encoding at all"),
		"0xc1":             {0xc1},
		"huge array32":     {0xdd, 0xff, 0xff, 0xff, 0xff},
		"huge map32":       {0xdf, 0xff, 0xff, 0xff, 0xff},
		"huge str32":       {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"deep":             bytes.Repeat([]byte{0x91}, 20000),
		"json truncated":   []byte(`{"Name":"x","Tags":["a"`),
		"json trailing":    []byte(`{} {}`),
		"msgpack trailing": append(bytes.Clone(good), 0x00),
	}
	for i := range len(good) - 1 {
		inputs[fmt.Sprintf("msgpack truncated %d", i)] = good[:i]
	}
	for _, vc := range valueCodecs {
		for name, in := range inputs {
			t.Run(vc.name+"/"+name, func(t *testing.T) {
				_, err := vc.c.Decode(in)
				if err == nil {
					// A prefix of a msgpack encoding can be valid JSON or
					// gob only by accident; the formats own these inputs.
					if strings.HasPrefix(name, "msgpack") && vc.name != "msgpack" {
						return
					}
					t.Fatalf("Decode(%q) succeeded, want an error", in)
				}
				if !errors.Is(err, codec.ErrDecode) {
					t.Fatalf("Decode error %v does not wrap ErrDecode", err)
				}
				if !strings.HasPrefix(err.Error(), "codec:") {
					t.Errorf("error %q does not start with codec:", err)
				}
			})
		}
	}
}

func TestGobTruncated(t *testing.T) {
	c := codec.Gob[record]()
	good, err := c.Encode(nil, sampleRecord())
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(good) {
		if _, err := c.Decode(good[:i]); !errors.Is(err, codec.ErrDecode) {
			t.Fatalf("Decode of %d of %d bytes: err = %v, want ErrDecode", i, len(good), err)
		}
	}
	if _, err := c.Decode(append(good, 0)); !errors.Is(err, codec.ErrDecode) {
		t.Fatalf("Decode with a trailing byte: err = %v, want ErrDecode", err)
	}
}

func TestBytes(t *testing.T) {
	large := bytes.Repeat([]byte{1, 2, 3, 4}, 1<<18)
	cases := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"nil", nil, nil},
		{"empty decodes as nil", []byte{}, nil},
		{"bytes", []byte{0, 0xff, 'a'}, []byte{0, 0xff, 'a'}},
		{"large", large, large},
	}
	c := codec.Bytes()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := c.Encode(nil, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) > 1024 {
				if !bytes.Equal(tc.want, got) {
					t.Errorf("round trip of %d bytes mismatch", len(tc.want))
				}
			} else if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
			if len(b) > 0 && &got[0] == &b[0] {
				t.Errorf("Decode returned its input, want a copy")
			}
		})
	}
}

func TestString(t *testing.T) {
	c := codec.String()
	for _, s := range []string{"", "a", "\x00\xff not utf-8", strings.Repeat("x", 1<<20)} {
		t.Run(str(s), func(t *testing.T) {
			b, err := c.Encode([]byte("p"), s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Decode(b[1:])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(s, got); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// str shortens s for a subtest name.
func str(s string) string {
	if len(s) > 10 {
		return s[:10] + "..."
	}
	return s
}

// roundTrip encodes v with c into a new slice and decodes it, failing t
// on either error; it returns the encoding and what was decoded.
func roundTrip[V any](t *testing.T, c codec.Codec[V], v V) ([]byte, V) {
	t.Helper()
	b, err := c.Encode(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, got
}

func TestMsgpackNilVersusEmpty(t *testing.T) {
	c := codec.Msgpack[[]byte]()
	for _, in := range [][]byte{nil, {}} {
		_, got := roundTrip(t, c, in)
		if (got == nil) != (in == nil) || len(got) != 0 {
			t.Errorf("Decode(Encode(%#v)) = %#v", in, got)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	// Channels encode in no format; dst must come back unextended.
	dst := []byte("keep")
	if got, err := codec.JSON[chan int]().Encode(dst, make(chan int)); err == nil || string(got) != "keep" {
		t.Errorf("JSON Encode(chan) = %q, %v; want dst and an error", got, err)
	}
	if got, err := codec.Gob[chan int]().Encode(dst, make(chan int)); err == nil || string(got) != "keep" {
		t.Errorf("Gob Encode(chan) = %q, %v; want dst and an error", got, err)
	}
	if got, err := codec.Msgpack[chan int]().Encode(dst, make(chan int)); err == nil || string(got) != "keep" {
		t.Errorf("Msgpack Encode(chan) = %q, %v; want dst and an error", got, err)
	}
}
