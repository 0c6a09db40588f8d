package livedict_test

import (
	"context"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

// BenchmarkRefreshGet compares Get, and a Load that hits, on a store
// without RefreshAfter (refresh=off) and with it (refresh=on), entries
// young enough not to be due: Get's code path is the same either way;
// Load's hit pays the check for a due entry.
func BenchmarkRefreshGet(b *testing.B) {
	keys := stringKeys(benchKeys)
	load := func(_ context.Context, _ string, k string) (int, time.Duration, error) {
		return len(k), livedict.DefaultTTL, nil
	}
	for _, mode := range []struct {
		name  string
		after time.Duration
	}{{"refresh=off", 0}, {"refresh=on", 30 * time.Minute}} {
		s, err := livedict.New(&livedict.Options[string, int]{
			DefaultTTL: time.Hour, RefreshAfter: mode.after, Loader: load})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			if _, err := s.Load(context.Background(), k); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("op=Get/"+mode.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Get(keys[i&(benchKeys-1)])
				i++
			}
		})
		b.Run("op=Load/"+mode.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				_, _ = s.Load(ctx, keys[i&(benchKeys-1)])
				i++
			}
		})
		s.Close()
	}
}
