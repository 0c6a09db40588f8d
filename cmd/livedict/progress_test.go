package main

import (
	"bytes"
	"slices"
	"testing"
)

func TestRoundStep(t *testing.T) {
	for n, want := range map[int64]int64{1: 1, 2: 2, 4: 2, 5: 5, 9: 5, 10: 10, 501: 500, 1999: 1000, 2000: 2000, 10000: 10000} {
		if got := roundStep(n); got != want {
			t.Errorf("roundStep(%d) = %d, want %d", n, got, want)
		}
	}
}

// Without a terminal, progress is a line per step and one at the end.
func TestLineProgress(t *testing.T) {
	var b bytes.Buffer
	e := &env{stderr: &b, cmd: rotateCommand}
	p := e.newProgress("resealed", 4500)
	for i := range int64(4500) {
		p.set(i + 1)
	}
	p.finish()
	want := []string{
		"rotate-key: resealed 1000 of 4500 records",
		"rotate-key: resealed 2000 of 4500 records",
		"rotate-key: resealed 3000 of 4500 records",
		"rotate-key: resealed 4000 of 4500 records",
		"rotate-key: resealed 4500 of 4500 records",
	}
	if got := lines(b.String()); !slices.Equal(got, want) {
		t.Fatalf("progress:\n%s", b.String())
	}
	b.Reset()
	p = e.newProgress("exported", -1)
	p.set(9999) // under the 10000 step of an unknown total
	p.finish()
	p.stop()
	if b.String() != "" {
		t.Fatalf("a short run printed %q", b.String())
	}
}
