package layer

import "github.com/livedict/livedict/internal/arena"

// A batch's records are encoded (compressed, sealed) independently of
// each other, so a large batch is split into parts encoded on goroutines
// of their own, one per CPU at most, before the one PutBatch of the next
// stage: a drain of the write-back queue then uses every core for its
// CPU work while the backend still sees a single batch.

// minPart is the fewest records worth a goroutine of their own: about
// 100 µs of compression and sealing for 1 KiB values.
const minPart = 64

// partsFor returns how many parts a batch of n records is encoded in.
func partsFor(n int) int { return arena.PartsFor(n, minPart) }

// encodeParts calls fn on parts consecutive ranges of [0, n), each with an
// arena of its own, concurrently (arena.Parts, which also raises a panic
// in fn again in the caller's goroutine), and returns the arenas (to be
// freed once the next stage is done with what they hold) and the error of
// the lowest range that failed: the one a loop over the records in order
// would have met first.
func encodeParts(n, parts int, fn func(a *arena.Arena, lo, hi int) error) ([]*arena.Arena, error) {
	errs := make([]error, parts)
	as := arena.Parts(nil, n, parts, func(a *arena.Arena, part, lo, hi int) {
		errs[part] = fn(a, lo, hi)
	})
	for _, err := range errs {
		if err != nil {
			return as, err
		}
	}
	return as, nil
}

// freeArenas frees every arena of as; see arena.Arena.Free for wipe.
func freeArenas(as []*arena.Arena, wipe bool) {
	for _, a := range as {
		a.Free(wipe)
	}
}
