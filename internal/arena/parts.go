package arena

import (
	"runtime"

	"github.com/livedict/livedict/internal/par"
)

// PartsFor returns how many parts a batch of n records is encoded in: one
// per CPU at most, and none of fewer than minPart records (the fewest
// worth a goroutine of their own).
func PartsFor(n, minPart int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/minPart))
}

// Parts calls fn on parts consecutive ranges of [0, n), each with an arena
// of its own, concurrently when parts > 1 (the last range runs on the
// caller's goroutine), and returns the arenas appended to dst[:0], to be
// freed once the next stage is done with what they hold. A panic in fn is
// raised again in the caller's goroutine, as it would have been without
// the split, with every arena freed.
func Parts(dst []*Arena, n, parts int, fn func(a *Arena, part, lo, hi int)) []*Arena {
	as := dst[:0]
	for range parts {
		as = append(as, Get())
	}
	if parts == 1 {
		fn(as[0], 0, 0, n) // no closure for par.Do to allocate
		return as
	}
	// A panic in fn frees every arena on its way to the caller.
	done := false
	defer func() {
		if !done {
			for _, a := range as {
				a.Free(true)
			}
		}
	}()
	par.Do(parts, func(i int) { fn(as[i], i, i*n/parts, (i+1)*n/parts) })
	done = true
	return as
}
