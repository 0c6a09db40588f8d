package redis_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
)

// testScanSkipsCorrupt: a value of the wrong format among good records is
// yielded as a *store.RecordError with its key, and Scan still yields
// every good record.
func testScanSkipsCorrupt(t *testing.T, b backend) {
	prefix := b.prefix(t)
	s := b.openStore(t, redis.Options{Prefix: prefix})
	ctx := t.Context()
	for i := range 5 {
		mustPut(t, s, store.Record{Bucket: "d", Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")})
	}
	if err := b.raw.Set(ctx, redisName(prefix, "d", []byte("bad")), "short", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var good, bad []string
	for r, err := range s.Scan(ctx, "d") {
		if err != nil {
			re := store.AsRecordError(err)
			if re == nil || !errors.Is(err, redis.ErrCorrupt) {
				t.Fatalf("Scan yielded %v, want a RecordError matching ErrCorrupt", err)
			}
			bad = append(bad, string(re.Key))
			continue
		}
		good = append(good, string(r.Key))
	}
	slices.Sort(good)
	if fmt.Sprint(good) != "[k0 k1 k2 k3 k4]" || fmt.Sprint(bad) != "[bad]" {
		t.Errorf("Scan yielded %v and reported %v; want [k0 k1 k2 k3 k4] and [bad]", good, bad)
	}
}
