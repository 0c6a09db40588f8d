package arena

import (
	"bytes"
	"fmt"
	"testing"
)

// TestArena checks that values cut from an arena never overlap, whatever
// their sizes, that appending to one cannot reach the next, and that a
// value the appender put elsewhere is kept as it is.
func TestArena(t *testing.T) {
	a := Get()
	var kept [][]byte
	var want []string
	for i := range 400 {
		v := bytes.Repeat([]byte{byte(i)}, (i*977)%(Chunk/3)) // some too big for a chunk's quarter
		r := a.Room(len(v) / 2)                               // too little room, at times
		got := a.Keep(r, append(r, v...))
		if cap(got) != len(got) && SameMemory(got, r) {
			t.Fatalf("value %d: capacity %d beyond its length %d", i, cap(got), len(got))
		}
		kept = append(kept, got)
		want = append(want, string(v))
	}
	for i, v := range kept {
		_ = append(v, 0xff) // reallocates: cannot reach a neighbour
		if string(v) != want[i] {
			t.Fatalf("value %d changed", i)
		}
	}
	own := []byte("own memory")
	r := a.Room(8)
	if got := a.Keep(r, own); !SameMemory(got, own) {
		t.Fatal("Keep did not return the appender's own memory as it is")
	}
	a.Free(true)
}

// TestArenaFreeWipes checks that Free with wipe clears what the chunks held.
func TestArenaFreeWipes(t *testing.T) {
	a := Get()
	r := a.Room(16)
	v := a.Keep(r, append(r, "plaintext secret"...))
	chunk := r[:len(v)]
	a.Free(true)
	if !bytes.Equal(chunk[:16], make([]byte, 16)) {
		t.Fatalf("a freed chunk still holds %q", fmt.Sprintf("%x", chunk[:16]))
	}
}

// TestSameMemory checks the address comparison, empty slices included.
func TestSameMemory(t *testing.T) {
	b := make([]byte, 4, 8)
	for _, tc := range []struct {
		a, b []byte
		want bool
	}{
		{b, b[:0], true},
		{b[1:], b, false},
		{nil, b, false},
		{b[:0:0], b, false},
	} {
		if got := SameMemory(tc.a, tc.b); got != tc.want {
			t.Errorf("SameMemory(len %d cap %d, len %d cap %d) = %v", len(tc.a), cap(tc.a), len(tc.b), cap(tc.b), got)
		}
	}
}
