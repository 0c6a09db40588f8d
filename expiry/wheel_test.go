package expiry

import (
	"math"
	"slices"
	"testing"
)

// driveUntil calls Expire at Next until node i comes back, and returns
// the clock at which it did. It fails if that takes more calls than the
// wheel has levels (plus the overflow pull), since each call at Next
// either returns nodes or moves them at least one level down.
func (m *model) driveUntil(i int) int64 {
	m.t.Helper()
	for range levels + 2 {
		if slices.Contains(m.drive(1<<20), i) {
			return m.clock
		}
	}
	m.t.Fatalf("node %d not returned after %d calls at Next", i, levels+2)
	return 0
}

func TestWheelEdges(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, m *model)
	}{{
		name: "deadline before the clock is due at the next Expire",
		run: func(t *testing.T, m *model) {
			m.expire(10*Tick+5, 10)
			m.schedule(0, 3*Tick)
			if got := m.w.Next(); got != 10*Tick+5 {
				t.Fatalf("Next() = %d, want the clock %d", got, 10*Tick+5)
			}
			if got := m.expire(10*Tick+5, 10); !slices.Equal(got, []int{0}) {
				t.Fatalf("Expire at the clock returned %v, want [0]", got)
			}
		},
	}, {
		name: "deadline equal to the clock",
		run: func(t *testing.T, m *model) {
			m.expire(7*Tick, 10)
			m.schedule(0, 7*Tick)
			if got := m.expire(7*Tick, 10); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
		},
	}, {
		name: "deadline on a tick is due at itself",
		run: func(t *testing.T, m *model) {
			m.schedule(0, 5*Tick)
			if got := m.w.Next(); got != 5*Tick {
				t.Fatalf("Next() = %d, want %d", got, 5*Tick)
			}
			if got := m.expire(5*Tick-1, 10); len(got) != 0 {
				t.Fatalf("returned %v one ns early", got)
			}
			if got := m.expire(5*Tick, 10); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
		},
	}, {
		name: "deadline just past a tick is due at the next",
		run: func(t *testing.T, m *model) {
			m.schedule(0, 5*Tick+1)
			if got := m.w.Next(); got != 6*Tick {
				t.Fatalf("Next() = %d, want %d", got, 6*Tick)
			}
			if got := m.expire(6*Tick-1, 10); len(got) != 0 {
				t.Fatalf("returned %v before its due time", got)
			}
			if got := m.expire(6*Tick, 10); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
		},
	}, {
		name: "deadline <= 0 is taken as 1",
		run: func(t *testing.T, m *model) {
			m.schedule(0, 0)
			m.schedule(1, -5)
			m.schedule(2, math.MinInt64)
			for i := range 3 {
				if d := m.nodes[i].Deadline(); d != 1 {
					t.Fatalf("node %d Deadline() = %d, want 1", i, d)
				}
			}
			if got := m.expire(Tick, 10); len(got) != 3 {
				t.Fatalf("got %v, want all three", got)
			}
		},
	}, {
		name: "ascending order across levels",
		run: func(t *testing.T, m *model) {
			ds := []int64{year, 3 * Tick, 70 * Tick, 5000 * Tick, 2 * Tick, 1 << 20 * Tick, 1 << 26 * Tick}
			for i, d := range ds {
				m.schedule(i, d)
			}
			got := m.expire(2*year, 100)
			want := []int{4, 1, 2, 3, 5, 6, 0}
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		},
	}, {
		name: "max splits a batch",
		run: func(t *testing.T, m *model) {
			for i := range 10 {
				m.schedule(i, int64(i/2+1)*Tick)
			}
			var all []int
			for {
				got := m.expire(10*Tick, 3)
				all = append(all, got...)
				if len(got) < 3 {
					break
				}
			}
			if len(all) != 10 {
				t.Fatalf("returned %d nodes in all, want 10", len(all))
			}
		},
	}, {
		name: "max <= 0 moves only the clock",
		run: func(t *testing.T, m *model) {
			m.schedule(0, 2*Tick)
			m.expire(9*Tick, 0)
			if got := m.w.Next(); got != 9*Tick {
				t.Fatalf("Next() = %d, want the clock %d", got, 9*Tick)
			}
			if got := m.expire(9*Tick, 1); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
		},
	}, {
		name: "now smaller than before is a no-op",
		run: func(t *testing.T, m *model) {
			m.expire(100*Tick, 10)
			m.schedule(0, 50*Tick)
			if got := m.expire(90*Tick, 10); len(got) != 0 {
				t.Fatalf("going back returned %v", got)
			}
			if m.w.now != 100*Tick {
				t.Fatalf("clock moved back to %d", m.w.now)
			}
			if got := m.expire(100*Tick, 10); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
		},
	}, {
		name: "cancel of an unscheduled node",
		run: func(t *testing.T, m *model) {
			m.cancel(0)
			m.schedule(1, Tick)
			m.cancel(1)
			m.cancel(1)
			m.schedule(2, Tick)
			m.expire(Tick, 10)
			m.cancel(2) // returned by Expire: keeps its deadline for readers
			if d := m.nodes[2].Deadline(); d != Tick {
				t.Fatalf("expired node's Deadline() = %d after Cancel, want %d", d, Tick)
			}
		},
	}, {
		name: "reschedule between levels",
		run: func(t *testing.T, m *model) {
			m.schedule(0, 10*second)
			m.schedule(0, 3*Tick)
			if got := m.w.Next(); got != 3*Tick {
				t.Fatalf("Next() = %d after moving down, want %d", got, 3*Tick)
			}
			m.schedule(0, 3600*second+1)
			if at := m.driveUntil(0); at != 3600*second+Tick {
				t.Fatalf("returned at %d, want %d", at, 3600*second+Tick)
			}
		},
	}, {
		name: "deadline in the overflow range",
		run: func(t *testing.T, m *model) {
			d := 3*year + 7
			m.schedule(0, d)
			if m.nodes[0].pos >= 0 {
				t.Fatalf("a deadline 3 years out is at pos %d, not in overflow", m.nodes[0].pos)
			}
			if at := m.driveUntil(0); at != dueTick(d)*Tick {
				t.Fatalf("returned at %d, want %d", at, dueTick(d)*Tick)
			}
		},
	}, {
		name: "reschedule from overflow into the wheel and back",
		run: func(t *testing.T, m *model) {
			m.schedule(0, 5*year)
			m.schedule(1, 6*year)
			m.schedule(0, 2*second)
			if m.nodes[0].pos <= 0 || len(m.w.over) != 1 {
				t.Fatalf("pos %d, overflow holds %d", m.nodes[0].pos, len(m.w.over))
			}
			if at := m.driveUntil(0); at != 2*second {
				t.Fatalf("returned at %d, want %d", at, 2*second)
			}
			m.schedule(0, 4*year)
			m.cancel(1)
			if at := m.driveUntil(0); at != 4*year {
				t.Fatalf("returned at %d, want %d", at, 4*year)
			}
		},
	}, {
		name: "top level wraps past its block",
		run: func(t *testing.T, m *model) {
			// Just before a 64⁶-tick boundary, a deadline just past it
			// must stay in the wheel, not fall into overflow.
			m.expire((1<<36-2)*Tick, 1)
			m.schedule(0, (1<<36+5)*Tick)
			if m.nodes[0].pos <= 0 {
				t.Fatalf("pos %d, want in the wheel", m.nodes[0].pos)
			}
			if at := m.driveUntil(0); at != (1<<36+5)*Tick {
				t.Fatalf("returned at %d", at)
			}
		},
	}, {
		name: "one node after a year idle",
		run: func(t *testing.T, m *model) {
			m.schedule(0, year+Tick)
			// Moving the node down the levels counts against max.
			if got := m.expire(year+Tick, levels+1); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
		},
	}, {
		name: "deadline at math.MaxInt64",
		run: func(t *testing.T, m *model) {
			m.schedule(0, math.MaxInt64)
			m.schedule(1, math.MaxInt64-Tick)
			if got := m.expire(math.MaxInt64-1, 100); !slices.Equal(got, []int{1}) {
				t.Fatalf("got %v, want [1]", got)
			}
			if got := m.w.Next(); got != math.MaxInt64 {
				t.Fatalf("Next() = %d, want math.MaxInt64", got)
			}
			if got := m.expire(math.MaxInt64, 10); !slices.Equal(got, []int{0}) {
				t.Fatalf("got %v, want [0]", got)
			}
			m.schedule(2, 5)
			if got := m.expire(math.MaxInt64, 10); !slices.Equal(got, []int{2}) {
				t.Fatalf("after the end of time: got %v, want [2]", got)
			}
		},
	}, {
		name: "empty wheel",
		run: func(t *testing.T, m *model) {
			if got := m.w.Next(); got != math.MaxInt64 {
				t.Fatalf("Next() = %d", got)
			}
			m.expire(year, 10)
			m.schedule(0, year+1)
			if got := m.w.Next(); got != year+Tick {
				t.Fatalf("Next() = %d, want %d", got, year+Tick)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newModel(t, 16))
		})
	}
}

func TestWheelZeroAlloc(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters distort allocation counts")
	}
	var w Wheel
	nodes := make([]Node, 256)
	dst := make([]*Node, 0, len(nodes))
	now := int64(0)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range nodes {
			w.Schedule(&nodes[i], now+int64(i)*7919*Tick)
		}
		for i := 0; i < len(nodes); i += 2 {
			w.Cancel(&nodes[i])
		}
		for i := 1; i < len(nodes); i += 4 {
			w.Schedule(&nodes[i], now+int64(i)*Tick)
		}
		now += 300 * second
		dst = w.Expire(now, dst[:0], len(nodes))
		_ = w.Next()
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round, want 0", allocs)
	}
}

// TestWheelCascadeIsBounded fills one level-1 slot with many nodes and
// checks that no Expire call does more than max units of work (nodes
// returned plus nodes moved down), that each call makes progress, and that
// all the nodes still come back in due order.
func TestWheelCascadeIsBounded(t *testing.T) {
	const n, limit = 1000, 16
	m := newModel(t, n)
	for i := range n {
		m.schedule(i, int64(64+i%64)*Tick) // level 1, slot 1
	}
	returned := 0
	for calls := 0; m.w.Len() > 0; calls++ {
		if calls > 2*n/limit+4 {
			t.Fatalf("%d calls and %d nodes left", calls, m.w.Len())
		}
		before := m.potential()
		got := m.drive(limit)
		returned += len(got)
		if work := before - m.potential(); work > limit {
			t.Fatalf("one Expire did %d units of work, max is %d", work, limit)
		}
	}
	if returned != n {
		t.Fatalf("returned %d nodes, want %d", returned, n)
	}
}
