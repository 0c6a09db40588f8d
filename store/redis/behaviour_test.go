package redis_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
)

// redisName builds the Redis key of a record by the form the package
// documents, independently of the package's own code.
func redisName(prefix, bucket string, key []byte) string {
	enc := base64.RawURLEncoding
	return prefix + ":" + enc.EncodeToString([]byte(bucket)) + ":" + enc.EncodeToString(key)
}

// storedValue builds a stored value by the documented format.
func storedValue(expireAt time.Time, value []byte) []byte {
	var ms int64
	if !expireAt.IsZero() {
		ms = expireAt.UnixMilli()
	}
	b := binary.BigEndian.AppendUint64([]byte{1}, uint64(ms))
	return append(b, value...)
}

func mustPut(t *testing.T, s store.Stage, r store.Record) {
	t.Helper()
	if err := s.Put(t.Context(), r); err != nil {
		t.Fatalf("Put(%q, %q) = %v", r.Bucket, r.Key, err)
	}
}

// scanAll returns what Scan yields, by key, failing on an error.
func scanAll(t *testing.T, s store.Stage, bucket string) map[string]store.Record {
	t.Helper()
	got := map[string]store.Record{}
	for r, err := range s.Scan(t.Context(), bucket) {
		if err != nil {
			t.Fatalf("Scan(%q) yielded error %v", bucket, err)
		}
		if r.Bucket != bucket {
			t.Errorf("Scan(%q) yielded a record of bucket %q", bucket, r.Bucket)
		}
		got[string(r.Key)] = r
	}
	return got
}

// Bucket names with the characters a key-naming scheme or a SCAN MATCH
// pattern could trip on stay isolated: each bucket's Get, Scan and Delete
// see its own records only.
func testHostileBuckets(t *testing.T, b backend) {
	s := b.openStore(t, redis.Options{ScanCount: 7})
	buckets := []string{
		"", "a", "a:", ":", ":a", "a:b", "::", "*", "a*", "?", "a?", "[", "]", "[a]", "[a-z]*",
		`\`, `\*`, `a\`, "^", "-", "{", "}", "{a}", "\x00", "a\x00", "\xff\xfe", "é", " ",
		"a\nb", "YQ", "livedict", strings.Repeat("b", 1000),
	}
	keys := [][]byte{[]byte("k"), []byte(":k"), []byte("*"), []byte(""), []byte("\x00"), []byte("a:")}
	value := func(bucket string, key []byte) []byte { return fmt.Appendf(nil, "%q|%q", bucket, key) }
	for _, bucket := range buckets {
		for _, k := range keys {
			mustPut(t, s, store.Record{Bucket: bucket, Key: k, Value: value(bucket, k)})
		}
	}
	for _, bucket := range buckets {
		got := scanAll(t, s, bucket)
		if len(got) != len(keys) {
			t.Errorf("Scan(%q) yielded %d records, want %d", bucket, len(got), len(keys))
		}
		for _, k := range keys {
			if r, ok := got[string(k)]; !ok || !bytes.Equal(r.Value, value(bucket, k)) {
				t.Errorf("Scan(%q): key %q has value %q (present %v), want %q", bucket, k, r.Value, ok, value(bucket, k))
			}
			r, err := s.Get(t.Context(), bucket, k)
			if err != nil || !bytes.Equal(r.Value, value(bucket, k)) {
				t.Errorf("Get(%q, %q) = (%q, %v), want %q", bucket, k, r.Value, err, value(bucket, k))
			}
		}
	}
	// Deleting from one bucket touches no other.
	for _, k := range keys {
		if err := s.Delete(t.Context(), "*", k); err != nil {
			t.Fatalf("Delete = %v", err)
		}
	}
	for _, bucket := range buckets {
		want := len(keys)
		if bucket == "*" {
			want = 0
		}
		if n := len(scanAll(t, s, bucket)); n != want {
			t.Errorf("after emptying bucket %q, Scan(%q) yielded %d records, want %d", "*", bucket, n, want)
		}
	}
}

// Two Stores whose prefixes nest or differ by a glob character never see
// each other's records, and a Scan does not fail on the other's keys.
func testNestedPrefixes(t *testing.T, b backend) {
	base := b.prefix(t)
	a := b.openStore(t, redis.Options{Prefix: base})
	// nested's names for bucket "" start with a's names for bucket "a".
	nested := b.openStore(t, redis.Options{Prefix: base + ":" + base64.RawURLEncoding.EncodeToString([]byte("a"))})
	globbed := b.openStore(t, redis.Options{Prefix: base + "*"})
	mustPut(t, a, store.Record{Bucket: "a", Key: []byte("k"), Value: []byte("from a")})
	mustPut(t, nested, store.Record{Bucket: "", Key: []byte("k"), Value: []byte("from nested")})
	mustPut(t, globbed, store.Record{Bucket: "a", Key: []byte("k"), Value: []byte("from globbed")})
	for _, c := range []struct {
		name   string
		s      store.Stage
		bucket string
		want   string
	}{
		{"a", a, "a", "from a"},
		{"nested", nested, "", "from nested"},
		{"globbed", globbed, "a", "from globbed"},
	} {
		got := scanAll(t, c.s, c.bucket)
		if len(got) != 1 || string(got["k"].Value) != c.want {
			t.Errorf("store %s: Scan(%q) = %v, want only %q", c.name, c.bucket, got, c.want)
		}
	}
}

// ExpireAt comes back from Get, Scan and PutBatch at millisecond precision,
// truncated, so a record never outlives the ExpireAt it was given.
func testExpireAtPrecision(t *testing.T, b backend) {
	s := b.openStore(t, redis.Options{})
	exp := time.Now().Add(time.Hour).Truncate(time.Second).Add(123*time.Millisecond + 456789*time.Nanosecond)
	want := time.UnixMilli(exp.UnixMilli())
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("put"), Value: []byte("v"), ExpireAt: exp})
	if err := s.PutBatch(t.Context(), []store.Record{{Bucket: "b", Key: []byte("batch"), Value: []byte("v"), ExpireAt: exp}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"put", "batch"} {
		r, err := s.Get(t.Context(), "b", []byte(k))
		if err != nil {
			t.Fatal(err)
		}
		if !r.ExpireAt.Equal(want) {
			t.Errorf("Get(%q).ExpireAt = %v, want %v (%v truncated to the millisecond)", k, r.ExpireAt, want, exp)
		}
	}
	for k, r := range scanAll(t, s, "b") {
		if !r.ExpireAt.Equal(want) {
			t.Errorf("Scan: %q has ExpireAt %v, want %v", k, r.ExpireAt, want)
		}
	}
}

// Redis itself expires the key at ExpireAt (PXAT), a Put without ExpireAt
// makes the key persistent again, and a Put whose ExpireAt has passed
// removes the key.
func testServerTTL(t *testing.T, b backend) {
	prefix := b.prefix(t)
	s := b.openStore(t, redis.Options{Prefix: prefix})
	ctx := t.Context()
	key := []byte("k")
	name := redisName(prefix, "b", key)
	exp := time.Now().Add(time.Hour).Add(777 * time.Microsecond)
	mustPut(t, s, store.Record{Bucket: "b", Key: key, Value: []byte("v"), ExpireAt: exp})
	got, err := b.raw.Do(ctx, "PEXPIRETIME", name).Int64()
	if err != nil || got != exp.UnixMilli() {
		t.Errorf("PEXPIRETIME %s = %d, %v; want %d", name, got, err, exp.UnixMilli())
	}
	raw, err := b.raw.Get(ctx, name).Bytes()
	if err != nil || !bytes.Equal(raw, storedValue(exp, []byte("v"))) {
		t.Errorf("stored value = %q, %v; want %q", raw, err, storedValue(exp, []byte("v")))
	}

	mustPut(t, s, store.Record{Bucket: "b", Key: key, Value: []byte("v2")})
	if ttl, err := b.raw.PTTL(ctx, name).Result(); err != nil || ttl != -1 {
		t.Errorf("after a Put without ExpireAt, PTTL = %v, %v; want -1 (no expiry)", ttl, err)
	}

	mustPut(t, s, store.Record{Bucket: "b", Key: key, Value: []byte("v3"), ExpireAt: time.Now().Add(-time.Second)})
	if n, err := b.raw.Exists(ctx, name).Result(); err != nil || n != 0 {
		t.Errorf("after a Put whose ExpireAt has passed, EXISTS = %d, %v; want 0", n, err)
	}
}

// Get and Scan compare the stored ExpireAt with this machine's clock: a
// record past its ExpireAt is not returned even while Redis still holds
// the key (a lagging server clock, or a key written without a TTL).
func testClientClockDecides(t *testing.T, b backend) {
	prefix := b.prefix(t)
	s := b.openStore(t, redis.Options{Prefix: prefix})
	ctx := t.Context()
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	for k, exp := range map[string]time.Time{"past": past, "future": future} {
		if err := b.raw.Set(ctx, redisName(prefix, "b", []byte(k)), storedValue(exp, []byte(k)), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := s.Get(ctx, "b", []byte("past")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a record past its stored ExpireAt = (%q, %v), want store.ErrNotFound", r.Value, err)
	}
	r, err := s.Get(ctx, "b", []byte("future"))
	if err != nil || string(r.Value) != "future" || r.ExpireAt.UnixMilli() != future.UnixMilli() {
		t.Errorf("Get of a record written by hand in the documented format = (%+v, %v)", r, err)
	}
	if got := scanAll(t, s, "b"); len(got) != 1 || got["future"].Value == nil {
		t.Errorf("Scan yielded %d records, want only %q", len(got), "future")
	}
}

// Keys under the Store's prefix that it did not write are skipped by Scan;
// a value of the wrong format under one of its names is reported as
// ErrCorrupt by Get and Scan.
func testForeignKeys(t *testing.T, b backend) {
	prefix := b.prefix(t)
	s := b.openStore(t, redis.Options{Prefix: prefix})
	ctx := t.Context()
	mustPut(t, s, store.Record{Bucket: "a", Key: []byte("mine"), Value: []byte("v")})
	bucketPart := prefix + ":" + base64.RawURLEncoding.EncodeToString([]byte("a")) + ":"
	for _, name := range []string{bucketPart + "not base64!", bucketPart + "YQ:extra", bucketPart + "YR"} {
		if err := b.raw.Set(ctx, name, "foreign", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if got := scanAll(t, s, "a"); len(got) != 1 || string(got["mine"].Value) != "v" {
		t.Errorf("Scan with foreign keys in the namespace = %v, want only %q", got, "mine")
	}

	if err := b.raw.Set(ctx, redisName(prefix, "c", []byte("bad")), "short", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "c", []byte("bad")); !errors.Is(err, redis.ErrCorrupt) {
		t.Errorf("Get of a value this package did not write = %v, want an error matching ErrCorrupt", err)
	}
	// Scan reports the damaged value and goes on with the rest.
	mustPut(t, s, store.Record{Bucket: "c", Key: []byte("good"), Value: []byte("v")})
	var errs []error
	var good int
	for r, err := range s.Scan(ctx, "c") {
		if err != nil {
			errs = append(errs, err)
			if !errors.Is(err, redis.ErrCorrupt) || !errors.Is(err, store.ErrCorrupt) || r.Key != nil || r.Value != nil {
				t.Errorf("Scan over a value this package did not write yielded {%q %q}, %v; want no data and ErrCorrupt", r.Key, r.Value, err)
			}
			continue
		}
		if string(r.Key) == "good" {
			good++
		}
	}
	if len(errs) != 1 || good != 1 {
		t.Errorf("Scan over one damaged and one good value yielded the good one %d times and errors %v; want it once and one error", good, errs)
	}
}

// A batch larger than one pipeline and a Scan of many pages see every
// record exactly once.
func testManyPages(t *testing.T, b backend) {
	s := b.openStore(t, redis.Options{ScanCount: 10})
	const n = 3000
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{Bucket: "many", Key: fmt.Appendf(nil, "k%04d", i), Value: fmt.Appendf(nil, "v%d", i)}
		if i%10 == 0 {
			rs[i].ExpireAt = time.Now().Add(-time.Minute)
		}
	}
	if err := s.PutBatch(t.Context(), rs); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for r, err := range s.Scan(t.Context(), "many") {
		if err != nil {
			t.Fatal(err)
		}
		got[string(r.Key)]++
	}
	want := n - n/10
	if len(got) != want {
		t.Errorf("Scan yielded %d distinct keys, want %d", len(got), want)
	}
	for k, c := range got {
		if c != 1 {
			t.Errorf("Scan yielded %q %d times", k, c)
		}
		var i int
		if _, err := fmt.Sscanf(k, "k%d", &i); err != nil || i%10 == 0 {
			t.Errorf("Scan yielded %q, which expired or was never written", k)
		}
	}
}

func putMany(t *testing.T, s *redis.Store, bucket string, n int) {
	t.Helper()
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{Bucket: bucket, Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")}
	}
	if err := s.PutBatch(t.Context(), rs); err != nil {
		t.Fatal(err)
	}
}

// A consumer that stops early stops the Scan (in a cluster, every node's
// goroutine: TestMain checks for leaks), and the Store goes on working.
func testScanEarlyStop(t *testing.T, b backend) {
	s := b.openStore(t, redis.Options{ScanCount: 5})
	putMany(t, s, "b", 300)
	for range 3 {
		n := 0
		for _, err := range s.Scan(t.Context(), "b") {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 5 {
				break
			}
		}
		if n != 5 {
			t.Fatalf("loop ran %d times, want 5", n)
		}
	}
	if _, err := s.Get(t.Context(), "b", []byte("k1")); err != nil {
		t.Errorf("Get after stopped scans = %v", err)
	}
}

// Cancelling the context during a Scan ends it with an error matching
// context.Canceled, and nothing is yielded after the error.
func testScanCancelled(t *testing.T, b backend) {
	s := b.openStore(t, redis.Options{ScanCount: 5})
	putMany(t, s, "b", 300)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var n int
	var last error
	for _, err := range s.Scan(ctx, "b") {
		if last != nil {
			t.Fatalf("Scan yielded after its error %v", last)
		}
		if err != nil {
			last = err
			continue
		}
		n++
		cancel()
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("Scan cancelled after %d of 300 records ended with %v, want an error matching context.Canceled", n, last)
	}
}

func testPing(t *testing.T, b backend) {
	s := b.openStore(t, redis.Options{})
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

// store.Open opens the backend from its URL once the package is imported.
func testStoreOpen(t *testing.T, b backend) {
	prefix := b.prefix(t)
	u, err := url.Parse(b.url)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("prefix", prefix)
	q.Set("timeout", testTimeout.String())
	u.RawQuery = q.Encode()
	s, err := store.Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("store.Open(%s) = %v", u.Redacted(), err)
	}
	defer s.Close()
	if _, ok := s.(*redis.Store); !ok {
		t.Fatalf("store.Open returned a %T, want *redis.Store", s)
	}
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	other := b.openStore(t, redis.Options{Prefix: prefix})
	if r, err := other.Get(t.Context(), "b", []byte("k")); err != nil || string(r.Value) != "v" {
		t.Errorf("Get through a second Store = (%q, %v), want %q", r.Value, err, "v")
	}
}
