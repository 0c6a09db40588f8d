package codec

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

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
