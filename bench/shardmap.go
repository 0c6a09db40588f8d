package bench

import (
	"hash/maphash"
	"sync"
	"time"
)

// shardMapShards is the floor's shard count, fixed as in the design's
// measurement of "a 64-shard map behind RWMutexes".
const shardMapShards = 64

// ShardMap is the floor the other contenders are measured against: 64 Go maps,
// each behind its own sync.RWMutex, chosen by maphash. It has no expiry, no
// bound and no eviction, so it does the least work a concurrent map can do;
// it also shows how a read-write lock behaves when writers hit hot shards.
type ShardMap[K comparable, V any] struct {
	seed   maphash.Seed
	shards [shardMapShards]shardMapShard[K, V]
}

type shardMapShard[K comparable, V any] struct {
	mu sync.RWMutex // 24 bytes
	m  map[K]V      // 8 bytes
	// Pad to a 64-byte cache line so that neighbouring shards' locks do not
	// share one.
	_ [64 - 24 - 8]byte
}

// NewShardMap returns an empty ShardMap. It ignores cfg: the floor has no
// bound and no expiry.
func NewShardMap[K comparable, V any](Config) Cache[K, V] {
	s := &ShardMap[K, V]{seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].m = make(map[K]V)
	}
	return s
}

func (s *ShardMap[K, V]) shard(k K) *shardMapShard[K, V] {
	return &s.shards[maphash.Comparable(s.seed, k)%shardMapShards]
}

// Name reports "shardmap".
func (s *ShardMap[K, V]) Name() string { return "shardmap" }

// Set stores v under k; the floor ignores ttl.
func (s *ShardMap[K, V]) Set(k K, v V, _ time.Duration) {
	sh := s.shard(k)
	sh.mu.Lock()
	sh.m[k] = v
	sh.mu.Unlock()
}

// Get returns the value under k.
func (s *ShardMap[K, V]) Get(k K) (V, bool) {
	sh := s.shard(k)
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	return v, ok
}

// Delete removes k.
func (s *ShardMap[K, V]) Delete(k K) {
	sh := s.shard(k)
	sh.mu.Lock()
	delete(sh.m, k)
	sh.mu.Unlock()
}

// Close does nothing: the floor has no goroutines.
func (s *ShardMap[K, V]) Close() {}
