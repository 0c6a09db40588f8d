package livedict

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// tableHarness drives a table as a shard does: one writer under a lock
// (here, the only writer), inserting with the same growth rule as
// core.maybeGrow.
type tableHarness struct {
	t     atomic.Pointer[table[uint64, int]]
	count int
}

func tableHash(e *entry[uint64, int]) uint64 { return mix64(e.key) }

func newTableHarness() *tableHarness {
	h := &tableHarness{}
	h.t.Store(newTable[uint64, int](minBuckets))
	return h
}

func (h *tableHarness) insert(k uint64, v int) {
	t := h.t.Load()
	e := newEntry[uint64, int](0, k, v, nil)
	t.insert(mix64(k), e)
	h.count++
	t.advance(evacuatePerInsert)
	if h.count > len(t.buckets)*loadFactor {
		h.t.Store(t.grow(tableHash))
	}
}

// replace swaps the entry for k for one with value v, as write does.
func (h *tableHarness) replace(k uint64, v int) bool {
	t := h.t.Load()
	old := t.find(mix64(k), 0, k)
	if old == nil {
		return false
	}
	b, i := t.slotOf(mix64(k), old)
	if b == nil {
		return false
	}
	b.slots[i].Store(newEntry[uint64, int](0, k, v, nil))
	return true
}

func (h *tableHarness) remove(k uint64) bool {
	t := h.t.Load()
	e := t.find(mix64(k), 0, k)
	if e == nil {
		return false
	}
	b, i := t.slotOf(mix64(k), e)
	if b == nil {
		return false
	}
	b.clear(i)
	h.count--
	return true
}

// check asserts that find sees exactly want and that each visits every
// entry once.
func (h *tableHarness) check(t *testing.T, when string, want map[uint64]int) {
	t.Helper()
	tb := h.t.Load()
	for k, v := range want {
		e := tb.find(mix64(k), 0, k)
		if e == nil || e.value != v {
			t.Fatalf("%s: find(%d) = %v, want value %d", when, k, e, v)
		}
	}
	seen := map[uint64]int{}
	tb.each(func(e *entry[uint64, int]) bool {
		seen[e.key]++
		return true
	})
	if len(seen) != len(want) {
		t.Fatalf("%s: each visited %d keys, want %d", when, len(seen), len(want))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s: each visited key %d %d times", when, k, n)
		}
		if _, ok := want[k]; !ok {
			t.Fatalf("%s: each visited key %d, which is not in the table", when, k)
		}
	}
}

// TestTableGrowsIncrementally checks find, each, replace and remove at
// every step of several growths, including while one is under way: no key
// is lost or seen twice, no stale value is returned, and the old table is
// dropped before the next growth starts.
func TestTableGrowsIncrementally(t *testing.T) {
	h := newTableHarness()
	want := map[uint64]int{}
	sawGrowing := 0
	for k := range uint64(3000) {
		h.insert(k, int(k))
		want[k] = int(k)
		if k%3 == 0 && k > 0 {
			// Update and delete keys that may sit in evacuated or
			// unevacuated old buckets.
			if !h.replace(k/2, -int(k)) {
				if _, ok := want[k/2]; ok {
					t.Fatalf("replace(%d) found nothing", k/2)
				}
			} else {
				want[k/2] = -int(k)
			}
		}
		if k%7 == 0 {
			if h.remove(k / 3) {
				delete(want, k/3)
			} else if _, ok := want[k/3]; ok {
				t.Fatalf("remove(%d) found nothing", k/3)
			}
		}
		if h.t.Load().prev.Load() != nil {
			sawGrowing++
		}
		if k%97 == 0 || h.t.Load().prev.Load() != nil && k%5 == 0 {
			h.check(t, "after key "+itoa(k), want)
		}
	}
	h.check(t, "at the end", want)
	if sawGrowing == 0 {
		t.Fatal("no insert happened while the table grew")
	}
	h.t.Load().finish()
	if h.t.Load().prev.Load() != nil {
		t.Fatal("finish left the old table linked")
	}
	h.check(t, "after finish", want)
}

// TestTableGrowthLargeTable covers tables past the hash fragments' reach
// (2^16 buckets), where evacuation rehashes entries.
func TestTableGrowthLargeTable(t *testing.T) {
	h := newTableHarness()
	const n = 300_000 // > 2^16 buckets * loadFactor: one growth past fragBits
	for k := range uint64(n) {
		h.insert(k, int(k))
	}
	if len(h.t.Load().buckets) <= 1<<fragBits {
		t.Fatalf("table has %d buckets, want more than %d", len(h.t.Load().buckets), 1<<fragBits)
	}
	tb := h.t.Load()
	for k := range uint64(n) {
		if e := tb.find(mix64(k), 0, k); e == nil || e.value != int(k) {
			t.Fatalf("find(%d) = %v", k, e)
		}
	}
}

// TestTableReadersDuringGrowth has readers look up keys that are never
// deleted while one writer inserts, replaces and grows: under -race this
// also checks that the lock-free read side only uses atomics.
func TestTableReadersDuringGrowth(t *testing.T) {
	h := newTableHarness()
	const stable = 200
	for k := range uint64(stable) {
		h.insert(k, 0)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				tb := h.t.Load()
				for k := range uint64(stable) {
					if e := tb.find(mix64(k), 0, k); e == nil {
						errs <- "lost key " + itoa(k)
						return
					}
				}
				n := 0
				tb.each(func(*entry[uint64, int]) bool { n++; return true })
				if n < stable {
					errs <- "each saw " + itoa(uint64(n)) + " entries"
					return
				}
			}
		})
	}
	for k := uint64(stable); k < 20_000; k++ {
		h.insert(k, 1)
		h.replace(k%stable, int(k))
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func itoa(k uint64) string { return strconv.FormatUint(k, 10) }
