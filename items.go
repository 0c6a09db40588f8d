package livedict

import (
	"iter"
	"time"
)

// Item is one live entry as [View.Items] yields it.
type Item[K comparable, V any] struct {
	Key   K
	Value V
	// Deadline is when the entry expires; the zero Time for none.
	Deadline time.Time
}

// Items yields the bucket's live, unguarded entries with their deadlines,
// each value and deadline read from the same entry (a write between them
// cannot pair one entry's value with another's deadline, as All followed
// by Deadline could). Its consistency is All's: weakly consistent, no
// lock held while yielding. Like All it runs no hooks and counts no hits.
func (v *View[K, V]) Items() iter.Seq[Item[K, V]] {
	return func(yield func(Item[K, V]) bool) {
		v.each(func(e *entry[K, V]) bool {
			if e.guarded() {
				return true
			}
			val, ok := v.c.valueOf(e)
			if !ok {
				return true
			}
			it := Item[K, V]{Key: e.key, Value: val}
			if d := e.Deadline(); d != 0 {
				it.Deadline = v.c.clock.wall(d)
			}
			return yield(it)
		})
	}
}
