package faulty

import (
	"context"
	"errors"
	"iter"

	"github.com/livedict/livedict/store"
)

var (
	_ store.BucketLister = (*Faulty)(nil)
	_ store.Unwrapper    = (*Faulty)(nil)
)

// Buckets forwards to the wrapped Stage's Buckets unless a fault applies;
// it counts as one call, when Buckets is called. When the wrapped Stage
// is not a [store.BucketLister] it yields an error matching
// errors.ErrUnsupported.
func (f *Faulty) Buckets(ctx context.Context) iter.Seq2[string, error] {
	ft := f.begin()
	return func(yield func(string, error) bool) {
		if err := ft.wait(ctx); err != nil {
			yield("", err)
			return
		}
		l, ok := f.next.(store.BucketLister)
		if !ok {
			yield("", errors.ErrUnsupported)
			return
		}
		for b, err := range l.Buckets(ctx) {
			if !yield(b, err) || err != nil {
				return
			}
		}
	}
}

// Unwrap returns the wrapped Stage.
func (f *Faulty) Unwrap() store.Stage { return f.next }
