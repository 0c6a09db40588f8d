package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestZipfDistribution compares sampled frequencies with the exact Zipf
// probabilities by a chi-squared statistic, for the exponents the
// benchmarks use (below, at and above 1).
func TestZipfDistribution(t *testing.T) {
	const (
		n       = 64
		samples = 200_000
	)
	for _, s := range []float64{0.5, 0.9, 0.99, 1.0, 1.1, 1.2, 2.0} {
		r := rand.New(rand.NewPCG(1, uint64(s*1000)))
		z, err := NewZipf(r, s, n)
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]float64, n)
		for range samples {
			k := z.Next()
			if k >= n {
				t.Fatalf("s=%v: rank %d out of [0, %d)", s, k, n)
			}
			counts[k]++
		}
		var norm float64
		for k := 1; k <= n; k++ {
			norm += math.Pow(float64(k), -s)
		}
		var chi2 float64
		for k := range n {
			want := samples * math.Pow(float64(k+1), -s) / norm
			d := counts[k] - want
			chi2 += d * d / want
		}
		// 63 degrees of freedom: the 99.99th percentile is about 114. A
		// wrong hat or an off-by-one rank gives thousands.
		if chi2 > 114 {
			t.Errorf("s=%v: chi-squared %.1f over %d ranks, want < 114", s, chi2, n)
		}
	}
}

// TestZipfNearOne checks that exponents next to 1 behave like 1: the
// closed forms divide by 1-s, the code must not.
func TestZipfNearOne(t *testing.T) {
	for _, s := range []float64{1 - 1e-12, 1, 1 + 1e-12} {
		z, err := NewZipf(rand.New(rand.NewPCG(7, 7)), s, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{z.lo, z.hi, z.squeeze} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("s=%v: setup gave lo=%v hi=%v squeeze=%v", s, z.lo, z.hi, z.squeeze)
			}
		}
		if want := -1 + math.Log(1.5); math.Abs(z.lo-want) > 1e-9 {
			t.Errorf("s=%v: lo = %v, want about %v", s, z.lo, want)
		}
	}
}

func TestZipfInvalid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		s float64
		n uint64
	}{{0, 10}, {-1, 10}, {math.NaN(), 10}, {math.Inf(1), 10}, {1, 0}} {
		if _, err := NewZipf(r, tc.s, tc.n); err == nil {
			t.Errorf("NewZipf(s=%v, n=%d) succeeded, want an error", tc.s, tc.n)
		}
	}
}

// TestTraceReproducible checks that a seed gives the same trace, another
// seed another one, and that indices stay in the key space.
func TestTraceReproducible(t *testing.T) {
	a, err := Trace(1000, 10_000, 0.99, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Trace(1000, 10_000, 0.99, 1)
	c, _ := Trace(1000, 10_000, 0.99, 2)
	if !slices.Equal(a, b) {
		t.Error("same seed, different traces")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, same trace")
	}
	if m := slices.Max(a); m >= 1000 {
		t.Errorf("index %d out of a key space of 1000", m)
	}
}

func TestKeysDistinct(t *testing.T) {
	t.Run("string", testKeysDistinct[string])
	t.Run("uint64", testKeysDistinct[uint64])
}

func testKeysDistinct[K Key](t *testing.T) {
	keys := Keys[K](5, 10_000)
	seen := make(map[K]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			t.Fatalf("key %v twice", k)
		}
		seen[k] = true
	}
	if s, ok := any(keys[0]).(string); ok && s != "key-5" {
		t.Errorf("first string key = %q, want key-5", s)
	}
}

// BenchmarkZipfNext shows what a trace costs to make (it is never inside a
// measured loop).
func BenchmarkZipfNext(b *testing.B) {
	z, err := NewZipf(rand.New(rand.NewPCG(1, 2)), 0.99, 1<<20)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		z.Next()
	}
}
