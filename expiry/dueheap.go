package expiry

import "math"

// DueHeap is a min-heap over ids 0..n-1 keyed by a due time; every id
// starts at math.MaxInt64 ("nothing due"). A store's reaper keeps one id
// per shard, set from that shard's [Wheel.Next], and sleeps until Min.
// Like Wheel it is not safe for concurrent use.
type DueHeap struct {
	items []dueItem // the heap, ordered by due
	index []int     // index[id] is id's position in items
}

type dueItem struct {
	due int64
	id  int
}

// NewDueHeap returns a heap over ids 0..n-1, all due at math.MaxInt64.
// A negative n is taken as 0.
func NewDueHeap(n int) *DueHeap {
	n = max(n, 0)
	h := &DueHeap{items: make([]dueItem, n), index: make([]int, n)}
	// Equal keys already form a valid heap in any order.
	for i := range n {
		h.items[i] = dueItem{due: math.MaxInt64, id: i}
		h.index[i] = i
	}
	return h
}

// Set changes id's due time in O(log n). It panics if id is out of range.
func (h *DueHeap) Set(id int, due int64) {
	i := h.index[id]
	old := h.items[i].due
	h.items[i].due = due
	switch {
	case due < old:
		h.up(i)
	case due > old:
		h.down(i)
	}
}

// Due returns id's due time. It panics if id is out of range.
func (h *DueHeap) Due(id int) int64 { return h.items[h.index[id]].due }

// Min returns the id with the earliest due time and that time, in O(1);
// ties go to any of the tied ids. On a heap over no ids it returns
// (-1, math.MaxInt64).
func (h *DueHeap) Min() (id int, due int64) {
	if len(h.items) == 0 {
		return -1, math.MaxInt64
	}
	return h.items[0].id, h.items[0].due
}

// Len returns n, the number of ids.
func (h *DueHeap) Len() int { return len(h.items) }

func (h *DueHeap) up(i int) {
	it := h.items[i]
	for i > 0 {
		p := (i - 1) / 2
		if h.items[p].due <= it.due {
			break
		}
		h.items[i] = h.items[p]
		h.index[h.items[i].id] = i
		i = p
	}
	h.items[i] = it
	h.index[it.id] = i
}

func (h *DueHeap) down(i int) {
	it := h.items[i]
	for {
		c := 2*i + 1
		if c >= len(h.items) {
			break
		}
		if r := c + 1; r < len(h.items) && h.items[r].due < h.items[c].due {
			c = r
		}
		if it.due <= h.items[c].due {
			break
		}
		h.items[i] = h.items[c]
		h.index[h.items[i].id] = i
		i = c
	}
	h.items[i] = it
	h.index[it.id] = i
}
