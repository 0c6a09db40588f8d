package expiry

import (
	"math"
	"testing"
)

// fuzzUnits are the scales a fuzz operation picks its span from, so that
// short inputs reach every level, slot boundaries and the overflow heap.
var fuzzUnits = [8]int64{1, Tick / 3, Tick, 64 * Tick, 4096 * Tick, 1 << 18 * Tick, 1 << 30 * Tick, 1 << 36 * Tick}

// fuzzReader hands out bytes and then zeros, so every input is valid.
type fuzzReader []byte

func (r *fuzzReader) byte() byte {
	if len(*r) == 0 {
		return 0
	}
	b := (*r)[0]
	*r = (*r)[1:]
	return b
}

// span reads a signed duration: a scale and a 16-bit multiple of it.
func (r *fuzzReader) span() int64 {
	s := r.byte()
	v := int64(r.byte())<<8 | int64(r.byte())
	d := v * fuzzUnits[s&7]
	if s&8 != 0 {
		d = -d
	}
	return d
}

// FuzzWheel reads bytes as a sequence of operations on eight nodes and
// checks each against the model. Each operation is one byte: the low three
// bits pick the kind, the next three the node.
func FuzzWheel(f *testing.F) {
	f.Add([]byte{0x00, 0x02, 0x00, 0x05, 0x02, 0x02, 0x00, 0x10})
	f.Add([]byte{0x08, 0x07, 0x00, 0x01, 0x03, 0x03, 0x03})
	f.Fuzz(runFuzzBody)
}

// runFuzzBody plays one input; it stands apart from FuzzWheel so a test
// can replay an input under a debugger or a profiler.
func runFuzzBody(t *testing.T, data []byte) {
	m := newModel(t, 8)
	r := fuzzReader(data)
	for len(r) > 0 {
		op := r.byte()
		i := int(op>>3) & 7
		switch op & 7 {
		case 0, 1:
			m.schedule(i, addSat(m.clock, r.span()))
		case 2:
			m.cancel(i)
		case 3:
			m.drive(1 + int(op>>6))
		case 4:
			m.expire(addSat(m.clock, r.span()), 1+int(op>>6))
		case 5:
			m.expire(addSat(m.clock, r.span()), 1<<20)
		case 6:
			switch op >> 6 {
			case 0:
				m.schedule(i, math.MaxInt64-int64(r.byte()))
			case 1:
				m.schedule(i, -int64(r.byte()))
			case 2:
				m.expire(math.MaxInt64-int64(r.byte())*Tick, 1<<20)
			default:
				m.expire(m.clock, 0)
			}
		default:
			// Land exactly on a tick, block or top-level boundary.
			unit := [4]int64{Tick, 64 * Tick, 1 << 18 * Tick, 1 << 30 * Tick}[op>>6]
			m.schedule(i, (m.clock/unit+int64(r.byte()))*unit)
		}
	}
	for calls := 0; m.w.Len() > 0; calls++ {
		if calls > 16*len(m.nodes)+16 {
			t.Fatalf("draining by Next took over %d calls with %d nodes left", calls, m.w.Len())
		}
		m.drive(1 << 20)
	}
}
