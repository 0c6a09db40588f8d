package livedict_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

const loadManyBatch = 100

// BenchmarkLoadMany compares LoadMany of 100 keys with a loop of 100
// Loads, on hits (every key in memory) and on misses (every key new,
// loaded by a BulkLoader for LoadMany and by the Loader for the loop).
// One op is the whole batch.
func BenchmarkLoadMany(b *testing.B) {
	ctx := context.Background()
	load := func(_ context.Context, _ string, k string) (string, time.Duration, error) {
		return k, livedict.DefaultTTL, nil
	}
	bulk := func(_ context.Context, _ string, keys []string) (map[string]string, time.Duration, error) {
		out := make(map[string]string, len(keys))
		for _, k := range keys {
			out[k] = k
		}
		return out, livedict.DefaultTTL, nil
	}
	newStore := func(b *testing.B) *livedict.Store[string, string] {
		s, err := livedict.New(&livedict.Options[string, string]{Loader: load, BulkLoader: bulk})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	hitKeys := stringKeys(loadManyBatch)
	ways := []struct {
		name string
		run  func(s *livedict.Store[string, string], keys []string)
	}{
		{"LoadMany", func(s *livedict.Store[string, string], keys []string) {
			if _, err := s.LoadMany(ctx, keys); err != nil {
				panic(err)
			}
		}},
		{"LoadLoop", func(s *livedict.Store[string, string], keys []string) {
			for _, k := range keys {
				if _, err := s.Load(ctx, k); err != nil {
					panic(err)
				}
			}
		}},
	}
	for _, w := range ways {
		b.Run("case=hits/way="+w.name, func(b *testing.B) {
			s := newStore(b)
			w.run(s, hitKeys)
			b.ReportAllocs()
			for b.Loop() {
				w.run(s, hitKeys)
			}
		})
		b.Run("case=misses/way="+w.name, func(b *testing.B) {
			s := newStore(b)
			keys := make([]string, loadManyBatch)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				b.StopTimer()
				for i := range keys {
					keys[i] = "miss-" + strconv.Itoa(n)
					n++
				}
				b.StartTimer()
				w.run(s, keys)
			}
		})
	}
}
