package layer_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCompressConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts layer.CompressOptions
	}{
		{"S2", layer.CompressOptions{}},
		{"Zstd", layer.CompressOptions{Algorithm: layer.Zstd}},
		{"S2Always", layer.CompressOptions{MinSize: -1}},
		{"ZstdAlways", layer.CompressOptions{Algorithm: layer.Zstd, MinSize: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) { layertest.Run(t, layer.Compress(tc.opts)) })
	}
}

// xor is a Transform that flips bits with a fixed byte: the simplest
// transform whose stored form differs from its input.
type xor byte

func (x xor) Encode(dst []byte, r store.Record) ([]byte, error) {
	for _, b := range r.Value {
		dst = append(dst, b^byte(x))
	}
	return dst, nil
}

func (x xor) Decode(dst []byte, r store.Record) ([]byte, error) { return x.Encode(dst, r) }

func TestTransformConformance(t *testing.T) {
	layertest.Run(t, layer.FromTransform(xor(0x5a)))
}

// suffix is a Transform that appends its byte on the way in and insists on
// finding it last on the way out, so two of them only round-trip when they
// decode in the reverse order of encoding.
type suffix byte

func (s suffix) Encode(dst []byte, r store.Record) ([]byte, error) {
	return append(append(dst, r.Value...), byte(s)), nil
}

func (s suffix) Decode(dst []byte, r store.Record) ([]byte, error) {
	v := r.Value
	if len(v) == 0 || v[len(v)-1] != byte(s) {
		return nil, fmt.Errorf("suffix %c: value %q does not end with it", s, v)
	}
	return append(dst, v[:len(v)-1]...), nil
}

// recorder is a Stage that notes each Put before passing it on and each Get
// after it returns.
type recorder struct {
	store.Stage
	name string
	mu   *sync.Mutex
	log  *[]string
}

func (r recorder) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.log = append(*r.log, r.name+" "+s)
}

func (r recorder) Put(ctx context.Context, rec store.Record) error {
	r.note("put")
	return r.Stage.Put(ctx, rec)
}

func (r recorder) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	rec, err := r.Stage.Get(ctx, bucket, key)
	r.note("get")
	return rec, err
}

func TestChainOrder(t *testing.T) {
	var (
		mu  sync.Mutex
		log []string
	)
	rec := func(name string) layer.Layer {
		return func(next store.Stage) store.Stage { return recorder{next, name, &mu, &log} }
	}
	mem := store.NewMemory()
	s := layer.Chain(recorder{mem, "backend", &mu, &log}, rec("a"), rec("b"),
		layer.FromTransform(suffix('x')), layer.FromTransform(suffix('y')))
	defer s.Close()
	ctx := t.Context()
	if err := s.Put(ctx, store.Record{Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "", []byte("k"))
	if err != nil {
		t.Fatalf("Get = %v: layers did not decode in the reverse order of encoding", err)
	}
	if string(got.Value) != "v" {
		t.Errorf("Get = %q, want %q", got.Value, "v")
	}
	stored, err := mem.Get(ctx, "", []byte("k"))
	if err != nil || string(stored.Value) != "vxy" {
		t.Errorf("backend holds %q, %v; want %q (outer transform applied first)", stored.Value, err, "vxy")
	}
	want := []string{"a put", "b put", "backend put", "backend get", "b get", "a get"}
	if !slices.Equal(log, want) {
		t.Errorf("calls = %q, want %q", log, want)
	}
	if s := layer.Chain(mem); s != store.Stage(mem) {
		t.Errorf("Chain with no layers = %v, want the backend itself", s)
	}
}

// TestCompressStoredForm checks the marker bytes the backend sees.
func TestCompressStoredForm(t *testing.T) {
	big := bytes.Repeat([]byte("compressible "), 100)
	for _, tc := range []struct {
		name   string
		opts   layer.CompressOptions
		value  []byte
		marker byte
	}{
		{"short value kept raw", layer.CompressOptions{}, []byte("hi"), 0},
		{"empty value kept raw", layer.CompressOptions{}, nil, 0},
		{"s2", layer.CompressOptions{}, big, 1},
		{"zstd", layer.CompressOptions{Algorithm: layer.Zstd}, big, 2},
		{"MinSize raised", layer.CompressOptions{MinSize: 10000}, big, 0},
		{"incompressible kept raw", layer.CompressOptions{MinSize: -1}, []byte("x"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := store.NewMemory()
			s := layer.Chain(mem, layer.Compress(tc.opts))
			defer s.Close()
			if err := s.Put(t.Context(), store.Record{Key: []byte("k"), Value: tc.value}); err != nil {
				t.Fatal(err)
			}
			r, err := mem.Get(t.Context(), "", []byte("k"))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Value) == 0 || r.Value[0] != tc.marker {
				t.Fatalf("stored value starts %v, want marker %d", r.Value[:min(1, len(r.Value))], tc.marker)
			}
			if tc.marker != 0 && len(r.Value) >= len(tc.value) {
				t.Errorf("stored %d bytes for a %d-byte value, want fewer", len(r.Value), len(tc.value))
			}
		})
	}
	if err := layer.Chain(store.NewMemory(), layer.Compress(layer.CompressOptions{Algorithm: 9})).
		Put(t.Context(), store.Record{Value: big}); err == nil {
		t.Error("Put with an unknown algorithm = nil, want an error")
	}
}

// TestCompressCorrupt reads values no Compress layer wrote.
func TestCompressCorrupt(t *testing.T) {
	valid := func(alg layer.CompressAlgorithm) []byte {
		mem := store.NewMemory()
		s := layer.Chain(mem, layer.Compress(layer.CompressOptions{Algorithm: alg, MinSize: -1}))
		if err := s.Put(t.Context(), store.Record{Key: []byte("k"), Value: bytes.Repeat([]byte("abcdefgh"), 200)}); err != nil {
			t.Fatal(err)
		}
		r, err := mem.Get(t.Context(), "", []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		return r.Value
	}
	s2v, zv := valid(layer.S2), valid(layer.Zstd)
	huge := binary.AppendUvarint([]byte{1}, 1<<40)
	bad := map[string][]byte{
		"empty":            {},
		"unknown marker":   {7, 1, 2, 3},
		"s2 garbage":       {1, 0xff, 0xff, 0xff},
		"s2 truncated":     s2v[:len(s2v)/2],
		"s2 huge length":   append(huge, 0, 0, 0),
		"s2 flipped byte":  flip(s2v, len(s2v)-3),
		"zstd garbage":     {2, 1, 2, 3, 4, 5, 6, 7, 8},
		"zstd truncated":   zv[:len(zv)/2],
		"zstd flipped":     flip(zv, len(zv)-2),
		"zstd marker only": {2, 0x28, 0xb5, 0x2f, 0xfd},
	}
	for _, alg := range []layer.CompressAlgorithm{layer.S2, layer.Zstd} {
		for name, v := range bad {
			t.Run(fmt.Sprintf("alg%d/%s", alg, name), func(t *testing.T) {
				mem := store.NewMemory()
				if err := mem.Put(t.Context(), store.Record{Key: []byte("k"), Value: v}); err != nil {
					t.Fatal(err)
				}
				s := layer.Chain(mem, layer.Compress(layer.CompressOptions{Algorithm: alg}))
				defer s.Close()
				r, err := s.Get(t.Context(), "", []byte("k"))
				if !errors.Is(err, layer.ErrCorrupt) {
					t.Errorf("Get = (%d bytes, %v), want an error matching ErrCorrupt", len(r.Value), err)
				}
				n := 0
				for _, err := range s.Scan(t.Context(), "") {
					n++
					if !errors.Is(err, layer.ErrCorrupt) {
						t.Errorf("Scan yielded %v, want an error matching ErrCorrupt", err)
					}
				}
				if n != 1 {
					t.Errorf("Scan yielded %d times, want once", n)
				}
			})
		}
	}
}

func flip(v []byte, i int) []byte {
	v = bytes.Clone(v)
	v[i] ^= 0xff
	return v
}

func BenchmarkCompressS2PutGet(b *testing.B) {
	value := bytes.Repeat([]byte("livedict value "), 1024/15+1)[:1024]
	for _, bc := range []struct {
		name   string
		layers []layer.Layer
	}{
		{"NoLayer", nil},
		{"S2", []layer.Layer{layer.Compress(layer.CompressOptions{})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := layer.Chain(store.NewMemory(), bc.layers...)
			defer s.Close()
			ctx := context.Background()
			key := []byte("key")
			b.SetBytes(int64(len(value)))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Put(ctx, store.Record{Key: key, Value: value}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Get(ctx, "", key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
