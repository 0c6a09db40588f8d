package redis_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
)

// batchRecords returns n records over keys distinct keys of bucket, each
// key written several times, with values that name the round, and every
// third record with an expiry an hour after base plus its position (so
// each PXAT differs), every seventh one already expired.
func batchRecords(bucket string, round, n, keys int, base time.Time) []store.Record {
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{
			Bucket: bucket,
			Key:    fmt.Appendf(nil, "k%03d", i%keys),
			Value:  bytes.Repeat(fmt.Appendf(nil, "r%d-i%d;", round, i), 1+i%40),
		}
		switch {
		case i%7 == 0:
			rs[i].ExpireAt = base.Add(-time.Minute)
		case i%3 == 0:
			rs[i].ExpireAt = base.Add(time.Hour + time.Duration(i)*time.Millisecond)
		}
	}
	return rs
}

// checkBatch checks, behind the Store's back, that each key holds what its
// last record in rs says: its value and PXAT, or nothing when that record
// had expired.
func checkBatch(t *testing.T, b backend, prefix string, rs []store.Record) {
	t.Helper()
	last := map[string]store.Record{}
	for _, r := range rs {
		last[string(r.Key)] = r
	}
	ctx := t.Context()
	for k, r := range last {
		name := redisName(prefix, r.Bucket, r.Key)
		if !r.ExpireAt.IsZero() && r.ExpireAt.Before(time.Now()) {
			if n, err := b.raw.Exists(ctx, name).Result(); err != nil || n != 0 {
				t.Errorf("%s/%s: last record expired, but EXISTS = %d, %v", r.Bucket, k, n, err)
			}
			continue
		}
		raw, err := b.raw.Get(ctx, name).Bytes()
		if err != nil || !bytes.Equal(raw, storedValue(r.ExpireAt, r.Value)) {
			t.Errorf("%s/%s: stored value = %.40q, %v; want %.40q", r.Bucket, k, raw, err, storedValue(r.ExpireAt, r.Value))
		}
		want := int64(-1) // PEXPIRETIME of a key without expiry
		if !r.ExpireAt.IsZero() {
			want = r.ExpireAt.UnixMilli()
		}
		if got, err := b.raw.Do(ctx, "PEXPIRETIME", name).Int64(); err != nil || got != want {
			t.Errorf("%s/%s: PEXPIRETIME = %d, %v; want %d", r.Bucket, k, got, err, want)
		}
	}
}

// A batch over several pipelines stores, for each key, its last record in
// the batch, with that record's expiry (or none, or the key removed), and
// later batches reusing the pipelines' memory, from several goroutines at
// once, do the same.
func testBatchLastWins(t *testing.T, b backend) {
	prefix := b.prefix(t)
	s := b.openStore(t, redis.Options{Prefix: prefix})
	base := time.Now()
	for round := range 3 {
		var wg sync.WaitGroup
		batches := make([][]store.Record, 4)
		errs := make([]error, len(batches))
		for g := range batches {
			// 2500 records: three pipelines, the last a short one.
			batches[g] = batchRecords(fmt.Sprintf("b%d", g), round, 2500, 300, base)
			wg.Go(func() { errs[g] = s.PutBatch(t.Context(), batches[g]) })
		}
		wg.Wait()
		for g, rs := range batches {
			if errs[g] != nil {
				t.Fatalf("round %d: PutBatch of bucket b%d = %v", round, g, errs[g])
			}
			checkBatch(t, b, prefix, rs)
		}
	}
}
