package livedict

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestAbsentCacheBounded: a flood of distinct missing keys keeps at most
// absentShards*absentShardCap answers, the newest among them.
func TestAbsentCacheBounded(t *testing.T) {
	s, err := New(&Options[string, int]{NegativeTTL: time.Hour,
		Loader: func(context.Context, string, string) (int, time.Duration, error) { return 0, 0, ErrNotFound }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, b := s.c, s.b
	const limit = absentShards * absentShardCap
	for i := range limit + 5000 {
		k := strconv.Itoa(i)
		gen, ok := c.armAbsent(b, k)
		if !ok {
			t.Fatal("armAbsent refused with NegativeTTL set")
		}
		c.rememberAbsent(b, k, gen)
	}
	n := 0
	for i := range c.lo.absent.shards {
		n += len(c.lo.absent.shards[i].m)
	}
	if n > limit {
		t.Fatalf("%d answers kept, want at most %d", n, limit)
	}
	if !c.knownAbsent(b, strconv.Itoa(limit+4999)) {
		t.Fatal("the newest answer was dropped")
	}
}
