// Package arena hands out memory for the records of one batch. A batch's
// encoded keys and values must live until the next stage's PutBatch
// returns, and no longer: every stage copies what it keeps. An Arena cuts
// them from pooled chunks, so that a batch costs no allocation per record
// and no large, zeroed allocation per batch either.
package arena

import "sync"

// Chunk is the size of an arena's chunks. A value needing more than a
// quarter of it gets memory of its own.
const Chunk = 64 << 10

var chunks = sync.Pool{New: func() any { b := make([]byte, 0, Chunk); return &b }}

// Arena is a set of chunks in use. It is not safe for concurrent use.
type Arena struct {
	cur    *[]byte
	chunks []*[]byte
}

// arenas holds Arenas between batches, with their chunk lists: an Arena
// of a batch's own would escape to the heap anyway.
var arenas = sync.Pool{New: func() any { return new(Arena) }}

// Get returns an empty Arena. Give it back with Free.
func Get() *Arena { return arenas.Get().(*Arena) }

// Room returns an empty slice with room for at least n bytes at the free
// end of the current chunk or of a new one, or nil when n is more than a
// chunk takes. Append to it, then pass the result to Keep.
func (a *Arena) Room(n int) []byte {
	if n > Chunk/4 {
		return nil
	}
	if a.cur == nil || cap(*a.cur)-len(*a.cur) < n {
		a.cur = chunks.Get().(*[]byte)
		a.chunks = append(a.chunks, a.cur)
	}
	b := *a.cur
	return b[len(b):]
}

// Keep returns v, the result of appending to r (a slice Room returned),
// capped at its length so that appending to it cannot reach the next
// value. When v lies in the chunk (the append did not move it) the
// chunk's free end moves past it; when it does not (it outgrew r, or the
// appender returned memory of its own) v is returned as it is, and when it
// outgrew r the chunk is retired, so that the next Room starts a new one.
func (a *Arena) Keep(r, v []byte) []byte {
	if a.cur == nil {
		return v
	}
	if SameMemory(v, r) {
		*a.cur = (*a.cur)[:len(*a.cur)+len(v)]
		return v[:len(v):len(v)]
	}
	if len(v) > cap(r) {
		a.cur = nil
	}
	return v
}

// Free returns the chunks to their pool, cleared first when wipe is set
// (for chunks that held plaintext), and the Arena to its own. Nothing it
// handed out may be used afterwards.
func (a *Arena) Free(wipe bool) {
	for _, c := range a.chunks {
		if wipe {
			clear(*c)
		}
		*c = (*c)[:0]
		chunks.Put(c)
	}
	clear(a.chunks)
	a.chunks, a.cur = a.chunks[:0], nil
	if cap(a.chunks) <= 1024 {
		arenas.Put(a)
	}
}

// SameMemory reports whether a and b start at the same address.
func SameMemory(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}
