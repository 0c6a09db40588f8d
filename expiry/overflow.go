package expiry

// overflowItem is one node waiting beyond the wheel's range, with its due
// tick kept beside it so that sifting never touches the node itself.
type overflowItem struct {
	due  int64
	node *Node
}

// overflow is an indexed binary min-heap over due ticks. Each node's pos
// holds -(index+1), so a cancel or reschedule finds its item in O(1) and
// repairs the heap in O(log n). Deadlines this far out are rare, so the
// heap stays small and its cost does not matter to the common path.
type overflow []overflowItem

func (h *overflow) push(n *Node, due int64) {
	*h = append(*h, overflowItem{due: due, node: n})
	h.up(len(*h) - 1)
}

// remove takes out the item at index i and clears nothing on its node; the
// caller owns the node's fields.
func (h *overflow) remove(i int) {
	s := *h
	last := len(s) - 1
	if i != last {
		s[i] = s[last]
		s[i].node.pos = ovPos(i)
	}
	s[last] = overflowItem{} // drop the pointer so the GC can free the node
	*h = s[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
}

func (h overflow) up(i int) {
	it := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].due <= it.due {
			break
		}
		h[i] = h[p]
		h[i].node.pos = ovPos(i)
		i = p
	}
	h[i] = it
	it.node.pos = ovPos(i)
}

// down sifts the item at i toward the leaves and reports whether it moved.
func (h overflow) down(i int) bool {
	it := h[i]
	start := i
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if r := c + 1; r < len(h) && h[r].due < h[c].due {
			c = r
		}
		if it.due <= h[c].due {
			break
		}
		h[i] = h[c]
		h[i].node.pos = ovPos(i)
		i = c
	}
	h[i] = it
	it.node.pos = ovPos(i)
	return i != start
}

// ovPos encodes overflow index i as a Node.pos; see Node.pos.
func ovPos(i int) int32 { return int32(-i - 1) }
