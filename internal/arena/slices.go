package arena

import "sync"

// Slices pools the slices of one batch's records (or anything else a batch
// needs one of per record): a stage that builds the records it hands to the
// next stage's PutBatch needs them only until that call returns, as it
// needs its arena. The zero Slices is ready to use and safe for concurrent
// use.
type Slices[T any] struct {
	pool sync.Pool
}

// maxPooled bounds the length of a slice Put keeps: a batch of the Store's
// flusher has at most 4096 records, so larger ones come from callers of
// PutBatch whose batches are not worth holding memory for.
const maxPooled = 8192

// Get returns a slice of n zero values. Give it back with Put.
func (s *Slices[T]) Get(n int) *[]T {
	if p, ok := s.pool.Get().(*[]T); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
	}
	v := make([]T, n)
	return &v
}

// Put zeroes *p, so that the pool holds on to nothing it pointed at, and
// keeps it for the next Get unless it is longer than maxPooled. Nothing may
// use *p afterwards.
func (s *Slices[T]) Put(p *[]T) {
	clear(*p)
	if cap(*p) > maxPooled {
		return
	}
	*p = (*p)[:0]
	s.pool.Put(p)
}
