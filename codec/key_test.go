package codec_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/livedict/livedict/codec"
)

type userID string

type shardNo int16

type digest [16]byte

// point is a key type known to the codec only by its text methods.
type point struct{ X, Y int }

func (p point) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%d,%d", p.X, p.Y), nil }

func (p *point) UnmarshalText(b []byte) error {
	var q point
	if _, err := fmt.Sscanf(string(b), "%d,%d", &q.X, &q.Y); err != nil {
		return err
	}
	if string(b) != fmt.Sprintf("%d,%d", q.X, q.Y) {
		return fmt.Errorf("point: not canonical")
	}
	*p = q
	return nil
}

// keyRoundTrip checks that every key survives EncodeKey and DecodeKey, that
// EncodeKey appends to dst, and that distinct keys encode differently. It
// returns the encodings without the prefix.
func keyRoundTrip[K comparable](t *testing.T, keys ...K) [][]byte {
	t.Helper()
	c, err := codec.KeyFor[K]()
	if err != nil {
		t.Fatalf("KeyFor: %v", err)
	}
	var encs [][]byte
	seen := map[string]K{}
	for _, k := range keys {
		b, err := c.EncodeKey([]byte("p"), k)
		if err != nil {
			t.Fatalf("EncodeKey(%v): %v", k, err)
		}
		if b[0] != 'p' {
			t.Fatalf("EncodeKey(%v) did not append to dst", k)
		}
		b = b[1:]
		again, _ := c.EncodeKey(nil, k)
		if !bytes.Equal(b, again) {
			t.Errorf("EncodeKey(%v) is not deterministic: %x then %x", k, b, again)
		}
		if prev, ok := seen[string(b)]; ok && prev != k {
			t.Errorf("keys %v and %v both encode as %x", prev, k, b)
		}
		seen[string(b)] = k
		got, err := c.DecodeKey(b)
		if err != nil {
			t.Fatalf("DecodeKey(%x): %v", b, err)
		}
		if diff := cmp.Diff(k, got, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
		encs = append(encs, b)
	}
	return encs
}

// checkSorted fails unless encodings are in strictly increasing byte order.
func checkSorted(t *testing.T, encs [][]byte) {
	t.Helper()
	if !slices.IsSortedFunc(encs, bytes.Compare) {
		t.Errorf("encodings do not sort like the keys: %x", encs)
	}
	for i := 1; i < len(encs); i++ {
		if bytes.Equal(encs[i-1], encs[i]) {
			t.Errorf("equal encodings %x for distinct keys", encs[i])
		}
	}
}

func TestKeyRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"string", func(t *testing.T) {
			keyRoundTrip(t, "", "a", "ab", "\x00", "\xff\xfe", strings.Repeat("k", 1<<20))
		}},
		{"named string", func(t *testing.T) { keyRoundTrip[userID](t, "", "alice", "bob") }},
		{"int64 order", func(t *testing.T) {
			checkSorted(t, keyRoundTrip[int64](t, math.MinInt64, -1<<40, -2, -1, 0, 1, 2, 1<<40, math.MaxInt64))
		}},
		{"int order", func(t *testing.T) {
			checkSorted(t, keyRoundTrip(t, math.MinInt, -300, -1, 0, 1, 300, math.MaxInt))
		}},
		{"int8 order", func(t *testing.T) {
			checkSorted(t, keyRoundTrip[int8](t, math.MinInt8, -1, 0, 1, math.MaxInt8))
		}},
		{"int32 order", func(t *testing.T) {
			checkSorted(t, keyRoundTrip[int32](t, math.MinInt32, -70000, -1, 0, 1, 70000, math.MaxInt32))
		}},
		{"named int16 order", func(t *testing.T) {
			checkSorted(t, keyRoundTrip[shardNo](t, math.MinInt16, -1, 0, 1, math.MaxInt16))
		}},
		{"uint8 order", func(t *testing.T) { checkSorted(t, keyRoundTrip[uint8](t, 0, 1, 0x7f, 0x80, 0xff)) }},
		{"uint16 order", func(t *testing.T) { checkSorted(t, keyRoundTrip[uint16](t, 0, 0xff, 0x100, 0xffff)) }},
		{"uint32 order", func(t *testing.T) { checkSorted(t, keyRoundTrip[uint32](t, 0, 1, 1<<31, math.MaxUint32)) }},
		{"uint64 order", func(t *testing.T) { checkSorted(t, keyRoundTrip[uint64](t, 0, 1, 1<<63, math.MaxUint64)) }},
		{"uintptr", func(t *testing.T) { checkSorted(t, keyRoundTrip[uintptr](t, 0, 1, 1<<20)) }},
		{"[16]byte", func(t *testing.T) {
			keyRoundTrip(t, [16]byte{}, [16]byte{15: 1}, [16]byte{0xff, 0xee})
		}},
		{"named [16]byte", func(t *testing.T) { keyRoundTrip(t, digest{}, digest{1, 2, 3}) }},
		{"[0]byte", func(t *testing.T) { keyRoundTrip(t, [0]byte{}) }},
		{"text marshaler", func(t *testing.T) { keyRoundTrip(t, point{}, point{1, -2}, point{-1, 2}) }},
		{"netip.Addr", func(t *testing.T) {
			keyRoundTrip(t, netip.Addr{}, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestKeyForErrors(t *testing.T) {
	tests := []struct {
		name   string
		keyFor func() error
		want   string
	}{
		{"struct", func() error { _, err := codec.KeyFor[struct{ X int }](); return err }, "struct { X int }"},
		{"float64", func() error { _, err := codec.KeyFor[float64](); return err }, "float64"},
		{"bool", func() error { _, err := codec.KeyFor[bool](); return err }, "bool"},
		{"pointer", func() error { _, err := codec.KeyFor[*int](); return err }, "*int"},
		{"pointer to text marshaler", func() error { _, err := codec.KeyFor[*netip.Addr](); return err }, "*netip.Addr"},
		{"array of int", func() error { _, err := codec.KeyFor[[4]int](); return err }, "[4]int"},
		{"interface", func() error { _, err := codec.KeyFor[any](); return err }, "interface {}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.keyFor()
			if !errors.Is(err, codec.ErrNoKeyCodec) {
				t.Fatalf("KeyFor error = %v, want ErrNoKeyCodec", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the type %q", err, tc.want)
			}
		})
	}
}

func TestKeyDecodeErrors(t *testing.T) {
	i64, _ := codec.KeyFor[int64]()
	u8, _ := codec.KeyFor[uint8]()
	arr, _ := codec.KeyFor[[16]byte]()
	pt, _ := codec.KeyFor[point]()
	addr, _ := codec.KeyFor[netip.Addr]()
	tests := []struct {
		name   string
		decode func() error
	}{
		{"int64 short", func() error { _, err := i64.DecodeKey([]byte{1, 2, 3}); return err }},
		{"int64 long", func() error { _, err := i64.DecodeKey(make([]byte, 9)); return err }},
		{"int64 nil", func() error { _, err := i64.DecodeKey(nil); return err }},
		{"uint8 empty", func() error { _, err := u8.DecodeKey([]byte{}); return err }},
		{"[16]byte short", func() error { _, err := arr.DecodeKey(make([]byte, 15)); return err }},
		{"[16]byte long", func() error { _, err := arr.DecodeKey(make([]byte, 17)); return err }},
		{"text garbage", func() error { _, err := pt.DecodeKey([]byte("x,y")); return err }},
		{"netip garbage", func() error { _, err := addr.DecodeKey([]byte("999.1.1.1")); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.decode(); !errors.Is(err, codec.ErrDecode) {
				t.Fatalf("DecodeKey error = %v, want ErrDecode", err)
			}
		})
	}
}

func TestKeyEncodeAllocs(t *testing.T) {
	s, _ := codec.KeyFor[string]()
	u, _ := codec.KeyFor[uint64]()
	i, _ := codec.KeyFor[shardNo]()
	a, _ := codec.KeyFor[digest]()
	dst := make([]byte, 0, 64)
	key := strings.Repeat("k", 32)
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = s.EncodeKey(dst[:0], key)
		dst, _ = u.EncodeKey(dst[:0], 1<<40)
		dst, _ = i.EncodeKey(dst[:0], -5)
		dst, _ = a.EncodeKey(dst[:0], digest{1})
	})
	if allocs != 0 {
		t.Errorf("EncodeKey allocated %v times per run, want 0", allocs)
	}
}
