package store

import (
	"context"
	"iter"
	"slices"
)

var _ BucketLister = (*Memory)(nil)

// Buckets yields the buckets that hold at least one record, sorted, as
// they were when the iteration began; a bucket whose records have all
// expired but were not yet dropped may be among them.
func (m *Memory) Buckets(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := m.check(ctx); err != nil {
			yield("", err)
			return
		}
		d := m.data
		d.mu.RLock()
		names := make([]string, 0, len(d.buckets))
		for name, b := range d.buckets {
			if len(b) > 0 {
				names = append(names, name)
			}
		}
		d.mu.RUnlock()
		slices.Sort(names)
		for _, name := range names {
			if !yield(name, nil) {
				return
			}
		}
	}
}
