package livedict

// ghost is the S3-FIFO ghost list: a bounded FIFO set of 32-bit key
// fingerprints, a ring for order and a linear-probing set for membership.
// It allocates only at init, and costs about 10 bytes per remembered key
// (4 in the ring, 6 in the set at a load of at most two thirds).
//
// A fingerprint stands for a key that left the small FIFO unread. Two keys
// of one shard share one with probability about capacity/2^32 per lookup
// (a few in a million for a 16k-key shard); the price of a false match is
// one key entering the main FIFO instead of the small one.
type ghost struct {
	ring []uint32
	head int
	n    int
	set  []uint32 // 0 is empty; fingerprints are >= 1
}

// ghostLoad is the set's size over the ring's: keeps probe runs short.
const ghostLoadNum, ghostLoadDen = 3, 2

func (g *ghost) init(capacity int) {
	g.ring = make([]uint32, capacity)
	g.set = make([]uint32, capacity*ghostLoadNum/ghostLoadDen+1)
	g.head, g.n = 0, 0
}

// fingerprint folds a key hash to 32 bits, never 0. Both halves take part:
// the shard index uses the hash's top bits, which are the same for every
// key of a shard.
func fingerprint(h uint64) uint32 { return max(uint32(h)^uint32(h>>32), 1) }

// home maps a fingerprint onto the set without a power-of-two size: the
// high half of fp times the size.
func (g *ghost) home(fp uint32) int { return int(uint64(fp) * uint64(len(g.set)) >> 32) }

func (g *ghost) next(i int) int {
	if i++; i == len(g.set) {
		return 0
	}
	return i
}

// add remembers the key with hash h, forgetting the oldest when full.
func (g *ghost) add(h uint64) {
	fp := fingerprint(h)
	if g.n == len(g.ring) {
		g.delete(g.ring[g.head])
		g.n--
		g.head = (g.head + 1) % len(g.ring)
	}
	g.ring[(g.head+g.n)%len(g.ring)] = fp
	g.n++
	for i := g.home(fp); ; i = g.next(i) {
		switch g.set[i] {
		case 0:
			g.set[i] = fp
			return
		case fp:
			return // already remembered (its older ring slot ages out first)
		}
	}
}

// remove reports whether the key with hash h was remembered, and forgets
// it. Its ring slot stays and ages out harmlessly.
func (g *ghost) remove(h uint64) bool { return g.delete(fingerprint(h)) }

// delete removes fp from the set by backward shifting, so the set never
// holds tombstones and never needs rebuilding.
func (g *ghost) delete(fp uint32) bool {
	i := g.home(fp)
	for g.set[i] != fp {
		if g.set[i] == 0 {
			return false
		}
		i = g.next(i)
	}
	// Close the gap at i: move back each later member of the run whose
	// home is not in (i, j], that is, which could have been placed at i.
	for j := g.next(i); g.set[j] != 0; j = g.next(j) {
		h := g.home(g.set[j])
		if (i < j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			g.set[i] = g.set[j]
			i = j
		}
	}
	g.set[i] = 0
	return true
}

// has reports whether fp is in the set (tests).
func (g *ghost) has(fp uint32) bool {
	for i := g.home(fp); g.set[i] != 0; i = g.next(i) {
		if g.set[i] == fp {
			return true
		}
	}
	return false
}
