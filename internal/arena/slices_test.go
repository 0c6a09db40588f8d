package arena

import "testing"

func TestSlicesZeroed(t *testing.T) {
	var s Slices[*int]
	x := 1
	p := s.Get(3)
	if len(*p) != 3 {
		t.Fatalf("len %d, want 3", len(*p))
	}
	(*p)[0], (*p)[2] = &x, &x
	full := (*p)[:cap(*p)]
	s.Put(p)
	for i, v := range full {
		if v != nil {
			t.Fatalf("element %d kept after Put", i)
		}
	}
	q := s.Get(2)
	for i, v := range *q {
		if v != nil {
			t.Fatalf("Get returned element %d set", i)
		}
	}
	if len(*q) != 2 {
		t.Fatalf("len %d, want 2", len(*q))
	}
}

func TestSlicesTooShortOrLong(t *testing.T) {
	var s Slices[int]
	s.Put(s.Get(2))
	if p := s.Get(100); len(*p) != 100 {
		t.Fatalf("len %d, want 100", len(*p))
	}
	// Put zeroes even a slice too long to keep.
	big := s.Get(maxPooled + 1)
	(*big)[maxPooled] = 7
	s.Put(big)
	for _, v := range (*big)[:cap(*big)] {
		if v != 0 {
			t.Fatal("dropped slice not zeroed")
		}
	}
}
