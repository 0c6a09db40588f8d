package expiry

import (
	"math"
	"math/rand/v2"
	"testing"
)

const (
	second = 1000 * Tick
	year   = 365 * 24 * 3600 * second
)

// addSat returns a+b clamped to the int64 range, so random walks of the
// clock end at math.MaxInt64 instead of wrapping.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// randSpan returns a duration from one of many scales, so that random
// sequences hit every level, the overflow heap, slot and block
// boundaries, and exact multiples of Tick.
func randSpan(r *rand.Rand) int64 {
	switch r.IntN(10) {
	case 0:
		return r.Int64N(Tick) // within one tick
	case 1:
		return r.Int64N(64) * Tick // exactly on a tick, level 0
	case 2:
		return r.Int64N(64 * Tick)
	case 3:
		return r.Int64N(4096 * Tick)
	case 4:
		return r.Int64N(1 << 18 * Tick)
	case 5:
		return r.Int64N(1 << 30 * Tick)
	case 6:
		return r.Int64N(3 * year) // across the top level and into overflow
	case 7:
		return r.Int64N(1<<12) << 12 * Tick // on block boundaries
	case 8:
		return int64(1) << (6 * r.IntN(7)) * Tick
	default:
		return r.Int64N(16 * Tick)
	}
}

// randLimit returns an Expire max, mostly small so batches split.
func randLimit(r *rand.Rand) int {
	switch r.IntN(10) {
	case 0:
		return 1
	case 1:
		return 2
	case 2:
		return 3
	case 3:
		if r.IntN(10) == 0 {
			return -r.IntN(2) // max <= 0 must do nothing but move the clock
		}
		return 5
	default:
		return 1 << 20
	}
}

// runRandom plays one seeded random sequence against the model; a failure
// names the seed so it can be replayed alone.
func runRandom(t *testing.T, seed uint64, ops int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := newModel(&seedTB{TB: t, seed: seed}, 48)
	if r.IntN(2) == 0 {
		// Start where a real clock would be, so high digits are non-zero.
		m.expire(r.Int64N(2e18), 1<<20)
	}
	for range ops {
		i := r.IntN(len(m.nodes))
		switch op := r.IntN(20); {
		case op < 7:
			d := addSat(m.clock, randSpan(r))
			switch r.IntN(20) {
			case 0:
				d = addSat(m.clock, -randSpan(r)) // in the past
			case 1:
				d = m.clock
			case 2:
				d = -r.Int64N(10) // taken as 1
			case 3:
				d = math.MaxInt64 - r.Int64N(2*Tick)
			}
			m.schedule(i, d)
		case op < 9:
			m.cancel(i)
		case op < 14:
			now := addSat(m.clock, randSpan(r))
			switch r.IntN(40) {
			case 0:
				now = addSat(m.clock, -randSpan(r)) // backwards: a no-op
			case 1:
				now = m.clock
			case 2:
				now = addSat(m.clock, r.Int64N(150*year)) // a long idle stretch
			}
			m.expire(now, randLimit(r))
		default:
			m.drive(randLimit(r))
		}
	}
	// Drain: every node must come out, in order, with bounded calls.
	for calls := 0; m.w.Len() > 0; calls++ {
		if calls > 16*len(m.nodes)+16 {
			t.Fatalf("seed %d: draining by Next took over %d calls with %d nodes left", seed, calls, m.w.Len())
		}
		m.drive(max(randLimit(r), 1))
	}
}

// seedTB puts the seed in front of every failure message.
type seedTB struct {
	testing.TB
	seed uint64
}

func (s *seedTB) Fatalf(format string, args ...any) {
	s.TB.Helper()
	s.TB.Fatalf("seed %d: "+format, append([]any{s.seed}, args...)...)
}

func TestWheelRandom(t *testing.T) {
	seeds, ops := 400, 2000
	if testing.Short() || raceEnabled {
		seeds = 60
	}
	for seed := range uint64(seeds) {
		runRandom(t, seed, ops)
	}
}

// TestWheelTimeliness drives a wheel only by Next, as a reaper does, and
// checks the bound in the package doc: every node scheduled after the
// clock comes back less than one Tick after its deadline, and the number
// of Expire calls stays proportional to the nodes, not to the time.
func TestWheelTimeliness(t *testing.T) {
	for seed := range uint64(100) {
		r := rand.New(rand.NewPCG(seed, 1))
		m := newModel(&seedTB{TB: t, seed: seed}, 64)
		m.expire(r.Int64N(2e18), 1)
		for i := range m.nodes {
			m.schedule(i, m.clock+1+randSpan(r))
		}
		calls := 0
		for m.w.Len() > 0 {
			if calls++; calls > 8*len(m.nodes)+8 {
				t.Fatalf("seed %d: %d Expire calls for %d nodes", seed, calls, len(m.nodes))
			}
			for _, i := range m.drive(1 + r.IntN(3)) {
				if late := m.clock - m.dl[i]; late < 0 || late >= Tick {
					t.Fatalf("seed %d: node %d with deadline %d returned at %d", seed, i, m.dl[i], m.clock)
				}
			}
		}
	}
}
