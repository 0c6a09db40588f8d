package bench

import (
	"errors"
	"math"
	"math/rand/v2"
)

// Zipf draws ranks from a Zipf distribution over {0, …, n-1}: rank r comes up
// with probability proportional to 1/(r+1)^s. Unlike math/rand/v2's Zipf it
// accepts any s > 0, so the usual cache workloads with s slightly below 1
// (0.9, 0.99) work, as does s = 1 exactly.
//
// It uses rejection-inversion sampling (W. Hörmann and G. Derflinger,
// "Rejection-inversion to generate variates from monotone discrete
// distributions", 1996): draw a point under the continuous hat x^-s by
// inverting its integral, round it to the nearest rank and accept it with the
// ratio of the exact mass to the hat's mass over that rank. The expected
// number of draws per sample is close to 1 for every s and n, and the setup
// is O(1), so a million-key space costs nothing to prepare.
//
// A Zipf is not safe for concurrent use; give each goroutine its own.
type Zipf struct {
	r       *rand.Rand
	s       float64
	n       float64
	lo, hi  float64 // the range of the hat's integral that u is drawn from
	squeeze float64 // accept at once when k - x is at most this
}

// NewZipf returns a generator over n ranks with exponent s, drawing its
// uniform numbers from r. It fails if s is not a positive finite number or n
// is zero.
func NewZipf(r *rand.Rand, s float64, n uint64) (*Zipf, error) {
	if !(s > 0) || math.IsInf(s, 0) {
		return nil, errors.New("bench: Zipf exponent must be > 0")
	}
	if n == 0 {
		return nil, errors.New("bench: Zipf needs at least one rank")
	}
	z := &Zipf{r: r, s: s, n: float64(n)}
	// Rank k (1-based here) owns the interval [k-1/2, k+1/2] of the hat.
	// Rank 1 gets exactly its own mass h(1) = 1 below H(3/2), so it is
	// always accepted; every other rank is accepted with h(k) over the
	// hat's area on its interval, which convexity keeps at most 1.
	z.lo = z.hIntegral(1.5) - 1
	z.hi = z.hIntegral(z.n + 0.5)
	z.squeeze = 2 - z.hIntegralInverse(z.hIntegral(2.5)-z.h(2))
	return z, nil
}

// Next returns the next rank, in [0, n). Rank 0 is the most frequent.
func (z *Zipf) Next() uint64 {
	for {
		u := z.hi + z.r.Float64()*(z.lo-z.hi)
		x := z.hIntegralInverse(u)
		k := math.Floor(x + 0.5)
		if k < 1 {
			k = 1
		} else if k > z.n {
			k = z.n
		}
		// The squeeze: the acceptance threshold for rank k, measured as
		// k - x, is smallest at k = 2, so anything within it is accepted
		// without evaluating the integral.
		if k-x <= z.squeeze || u >= z.hIntegral(k+0.5)-z.h(k) {
			return uint64(k) - 1
		}
	}
}

// h is the hat, x^-s.
func (z *Zipf) h(x float64) float64 {
	return math.Exp(-z.s * math.Log(x))
}

// hIntegral is ∫₁ˣ t^-s dt = (x^(1-s) - 1)/(1-s), which is log x at s = 1.
// Written as log(x)·expm1(t)/t with t = (1-s)·log(x), it stays accurate
// for s at or next to 1.
func (z *Zipf) hIntegral(x float64) float64 {
	lx := math.Log(x)
	return lx * expm1OverX((1-z.s)*lx)
}

// hIntegralInverse inverts hIntegral: (1 + (1-s)·y)^(1/(1-s)), or e^y at
// s = 1, computed as exp(y·log1p(t)/t) with t = (1-s)·y.
func (z *Zipf) hIntegralInverse(y float64) float64 {
	t := y * (1 - z.s)
	if t < -1 {
		// Only rounding can bring t below -1 (for s > 1 the integral is
		// bounded by 1/(s-1)); clamp it so the result is a huge x, which
		// Next clamps to the last rank.
		t = -1
	}
	return math.Exp(y * log1pOverX(t))
}

// expm1OverX is expm1(x)/x, continued by its Taylor series near 0.
func expm1OverX(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x/2*(1+x/3*(1+x/4))
}

// log1pOverX is log1p(x)/x, continued by its Taylor series near 0.
func log1pOverX(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(1.0/2-x*(1.0/3-x/4))
}

// Trace returns length indices into a key space of n keys, drawn from a Zipf
// distribution with exponent s and reproducible from seed. Ranks are mapped
// to key indices through a seeded permutation, so the hottest keys are
// scattered over the key space rather than being the first (and, for
// string keys, the shortest) ones.
func Trace(n, length int, s float64, seed uint64) ([]uint32, error) {
	if n <= 0 || n > math.MaxUint32 {
		return nil, errors.New("bench: trace key space must be in [1, 2^32)")
	}
	r := rand.New(rand.NewPCG(seed, 0x6c697665_64696374)) // "livedict"
	z, err := NewZipf(r, s, uint64(n))
	if err != nil {
		return nil, err
	}
	perm := make([]uint32, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	r.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	trace := make([]uint32, length)
	for i := range trace {
		trace[i] = perm[z.Next()]
	}
	return trace, nil
}
