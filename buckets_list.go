package livedict

import "iter"

// Buckets yields the name of every bucket the store holds in memory: the
// default bucket "" first, then the others in the order they were
// created (by Options.Buckets, DefineBucket or Bucket; a bucket made on an
// id that DropBucket freed takes that id's place), each once. A bucket
// stays listed when its entries are gone, and leaves the list when
// dropped. Buckets that a backend holds but this process has not opened
// are not listed (Warm opens them).
func (s *Store[K, V]) Buckets() iter.Seq[string] {
	return func(yield func(string) bool) {
		s.c.buckets.each(func(b *bucketState) bool { return yield(b.name) })
	}
}
