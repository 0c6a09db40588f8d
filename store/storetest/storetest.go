// Package storetest checks that a [store.Stage] keeps the contract written in
// package store's documentation.
//
// A backend's test calls [Run] with a function that makes a fresh [Harness]
// for each case. Run runs every case as a named subtest, and each failure
// message starts with the rule that was broken, in plain English, so a
// failure says what the backend must do rather than only what went wrong.
//
//	type harness struct{ dir string }
//
//	func (h *harness) Open(t *testing.T) store.Stage {
//		s, err := fs.Open(h.dir, nil)
//		if err != nil {
//			t.Fatal(err)
//		}
//		return s
//	}
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Harness {
//			return &harness{dir: t.TempDir()}
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livedict/livedict/internal/ruletest"
	"github.com/livedict/livedict/store"
)

// Harness opens the backend under test. Each case gets a Harness of its own
// from the function given to [Run], so cases never share data.
type Harness interface {
	// Open opens the backend over the harness's storage, which is empty
	// the first time. Later calls reopen it over the same storage: a Stage
	// opened after another was closed must see the records written through
	// it. Open reports its own failures with t.Fatal. Run closes every
	// Stage it opens; resources of the harness itself (directories,
	// servers) are for the harness to release, with t.Cleanup.
	Open(t *testing.T) store.Stage
}

// Run runs the conformance cases against the backends that newHarness
// makes, each case as a subtest of t with a fresh harness. Cases for an
// optional capability the backend lacks are skipped.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			c.run(&caseT{ruletest.T{T: t, Rule: c.rule}}, h)
		})
	}
}

// caseT is the *testing.T a case runs with: its Errorf and Fatalf put the
// case's rule before the message.
type caseT struct{ ruletest.T }

// open opens a Stage that is closed when the case ends.
func (t *caseT) open(h Harness) store.Stage {
	t.Helper()
	s := h.Open(t.T.T)
	if s == nil {
		t.T.Fatal("storetest: Harness.Open returned nil")
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (t *caseT) put(s store.Stage, r store.Record) {
	t.Helper()
	if err := s.Put(t.Context(), r); err != nil {
		t.Fatalf("Put(%q, %q) = %v", r.Bucket, short(r.Key), err)
	}
}

func (t *caseT) get(s store.Stage, bucket string, key []byte) store.Record {
	t.Helper()
	r, err := s.Get(t.Context(), bucket, key)
	if err != nil {
		t.Fatalf("Get(%q, %q) = %v, want the record", bucket, short(key), err)
	}
	return r
}

// wantValue checks that Get finds key in bucket with the given value.
func (t *caseT) wantValue(s store.Stage, bucket string, key, value []byte) {
	t.Helper()
	r := t.get(s, bucket, key)
	if !bytes.Equal(r.Value, value) {
		t.Errorf("Get(%q, %q).Value = %q, want %q", bucket, short(key), short(r.Value), short(value))
	}
}

// wantMissing checks that Get reports ErrNotFound for key in bucket.
func (t *caseT) wantMissing(s store.Stage, bucket string, key []byte) {
	t.Helper()
	r, err := s.Get(t.Context(), bucket, key)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(%q, %q) = (value %q, %v), want an error matching store.ErrNotFound", bucket, short(key), short(r.Value), err)
	}
}

// scan returns the bucket's records by key, failing on an error or a key
// yielded twice.
func (t *caseT) scan(s store.Stage, bucket string) map[string]store.Record {
	t.Helper()
	got := make(map[string]store.Record)
	for r, err := range s.Scan(t.Context(), bucket) {
		if err != nil {
			t.Fatalf("Scan(%q) yielded error %v", bucket, err)
		}
		if _, dup := got[string(r.Key)]; dup {
			t.Errorf("Scan(%q) yielded key %q twice", bucket, short(r.Key))
		}
		got[string(r.Key)] = r
	}
	return got
}

// short shortens long byte strings in messages.
func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%s…(%d bytes)", b[:32], len(b))
	}
	return string(b)
}

type testCase struct {
	name string
	rule string
	run  func(t *caseT, h Harness)
}

var cases = []testCase{
	{"RoundTrip", "a record written with Put comes back from Get with its bucket, key, value and expiry", roundTrip},
	{"Overwrite", "Put over an existing key replaces its value and expiry", overwrite},
	{"Delete", "Delete removes a record, and deleting a missing key is not an error", deleteCase},
	{"GetMissing", "Get of a missing key returns an error matching store.ErrNotFound", getMissing},
	{"Expiry", "a record whose ExpireAt has passed is not returned by Get or Scan", expiry},
	{"HostileKeys", "keys are arbitrary bytes that round-trip unchanged and are distinct when their bytes differ", hostileKeysCase},
	{"EmptyValue", "an empty value round-trips", emptyValue},
	{"LargeValue", "a 1 MiB value round-trips", largeValue},
	{"BucketIsolation", "buckets are isolated: the same key in two buckets is two records, and nothing crosses between buckets", bucketIsolation},
	{"HostileBuckets", "bucket names are arbitrary strings (NUL, invalid UTF-8, separators, wildcards, path syntax, 1000 bytes) that stay distinct and isolated", hostileBuckets},
	{"Scan", "Scan yields exactly the bucket's unexpired records, each once, in memory the caller owns, and stops when the caller stops", scanCase},
	{"WriteDuringScan", "the loop body of a Scan may Put, Get and Delete on the same backend without deadlocking, and every record present before the scan and untouched by it is yielded", writeDuringScan},
	{"NoAliasing", "records passed to Put and returned by Get do not share memory with the backend", noAliasing},
	{"ConcurrentWriters", "concurrent Puts from many goroutines are all stored", concurrentWriters},
	{"CancelledContext", "a call with a cancelled context returns an error matching context.Canceled and does no work", cancelledContext},
	{"UseAfterClose", "after Close every method returns an error matching store.ErrClosed, and a second Close returns nil", useAfterClose},
	{"Reopen", "a backend reopened over the same storage sees the data written before Close", reopen},
	{"PutBatch", "PutBatch of 500 records stores each of them, as Put would", putBatch},
	{"Ping", "Ping of an open backend returns nil", ping},
}

func roundTrip(t *caseT, h Harness) {
	s := t.open(h)
	exp := time.Now().Add(time.Hour).Round(time.Millisecond)
	for _, want := range []store.Record{
		{Bucket: "b", Key: []byte("forever"), Value: []byte("v1")},
		{Bucket: "b", Key: []byte("for an hour"), Value: []byte("v2"), ExpireAt: exp},
	} {
		t.put(s, want)
		got := t.get(s, want.Bucket, want.Key)
		if got.Bucket != want.Bucket || !bytes.Equal(got.Key, want.Key) || !bytes.Equal(got.Value, want.Value) {
			t.Errorf("Get(%q, %q) = {Bucket %q, Key %q, Value %q}, want {%q, %q, %q}",
				want.Bucket, want.Key, got.Bucket, got.Key, got.Value, want.Bucket, want.Key, want.Value)
		}
		checkExpireAt(t, got, want.ExpireAt)
	}
}

// checkExpireAt allows the millisecond precision the contract permits.
func checkExpireAt(t *caseT, got store.Record, want time.Time) {
	t.Helper()
	if want.IsZero() != got.ExpireAt.IsZero() || got.ExpireAt.Sub(want).Abs() >= time.Millisecond {
		t.Errorf("Get(%q, %q).ExpireAt = %v, want %v", got.Bucket, got.Key, got.ExpireAt, want)
	}
}

func overwrite(t *caseT, h Harness) {
	s := t.open(h)
	k := []byte("k")
	t.put(s, store.Record{Bucket: "b", Key: k, Value: []byte("old"), ExpireAt: time.Now().Add(time.Hour)})
	t.put(s, store.Record{Bucket: "b", Key: k, Value: []byte("new")})
	got := t.get(s, "b", k)
	if !bytes.Equal(got.Value, []byte("new")) {
		t.Errorf("Get after two Puts: Value = %q, want %q", got.Value, "new")
	}
	checkExpireAt(t, got, time.Time{})
	if n := len(t.scan(s, "b")); n != 1 {
		t.Errorf("Scan after two Puts of one key yielded %d records, want 1", n)
	}
}

func deleteCase(t *caseT, h Harness) {
	s := t.open(h)
	ctx := t.Context()
	if err := s.Delete(ctx, "b", []byte("never written")); err != nil {
		t.Errorf("Delete of a missing key in a missing bucket = %v, want nil", err)
	}
	t.put(s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	t.put(s, store.Record{Bucket: "b", Key: []byte("other"), Value: []byte("v")})
	if err := s.Delete(ctx, "b", []byte("missing")); err != nil {
		t.Errorf("Delete of a missing key = %v, want nil", err)
	}
	if err := s.Delete(ctx, "b", []byte("k")); err != nil {
		t.Fatalf("Delete of an existing key = %v, want nil", err)
	}
	t.wantMissing(s, "b", []byte("k"))
	if err := s.Delete(ctx, "b", []byte("k")); err != nil {
		t.Errorf("second Delete of a key = %v, want nil", err)
	}
	t.wantValue(s, "b", []byte("other"), []byte("v"))
}

func getMissing(t *caseT, h Harness) {
	s := t.open(h)
	t.wantMissing(s, "b", []byte("k"))
	t.put(s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	t.wantMissing(s, "b", []byte("k2"))
	t.wantMissing(s, "b", []byte("K"))
}

func expiry(t *caseT, h Harness) {
	s := t.open(h)
	past := time.Now().Add(-time.Hour)
	t.put(s, store.Record{Bucket: "b", Key: []byte("expired"), Value: []byte("v"), ExpireAt: past})
	t.put(s, store.Record{Bucket: "b", Key: []byte("live"), Value: []byte("v"), ExpireAt: time.Now().Add(time.Hour)})
	t.put(s, store.Record{Bucket: "b", Key: []byte("replaced"), Value: []byte("v")})
	t.put(s, store.Record{Bucket: "b", Key: []byte("replaced"), Value: []byte("v2"), ExpireAt: past})
	// Just past: a backend that keeps expiry in whole seconds would still
	// return it.
	t.put(s, store.Record{Bucket: "b", Key: []byte("just"), Value: []byte("v"), ExpireAt: time.Now().Add(-2 * time.Millisecond)})
	t.wantMissing(s, "b", []byte("just"))
	t.wantMissing(s, "b", []byte("expired"))
	t.wantMissing(s, "b", []byte("replaced"))
	t.wantValue(s, "b", []byte("live"), []byte("v"))
	got := t.scan(s, "b")
	for _, k := range []string{"expired", "replaced", "just"} {
		if _, ok := got[k]; ok {
			t.Errorf("Scan yielded %q, whose ExpireAt has passed", k)
		}
	}
	if _, ok := got["live"]; !ok || len(got) != 1 {
		t.Errorf("Scan yielded %d records, want only %q", len(got), "live")
	}
	// Asking twice catches a backend that returns an expired record once
	// and drops it only afterwards.
	t.wantMissing(s, "b", []byte("expired"))
}

// hostileKeys are keys that break naive file names, key prefixes or string
// handling.
var hostileKeys = [][]byte{
	[]byte(""), []byte("."), []byte(".."), []byte("/"), []byte("a/b"), []byte("../a"),
	[]byte(`a\b`), []byte("a:b"), []byte("*"), []byte("%2F"), []byte(" "), []byte("a "),
	[]byte("Key"), []byte("key"), []byte("KEY"), []byte("CON"), []byte("nul"),
	[]byte("\x00"), []byte("a\x00"), []byte("a\x00b"), []byte("a"), []byte("\xff\xfe\xfd"),
	[]byte("\xc3\x28"), []byte("é"), []byte("e\u0301"), []byte("\n"), []byte("'; DROP TABLE x; --"),
	bytes.Repeat([]byte("k"), 10*1024),
	append(bytes.Repeat([]byte("k"), 10*1024-1), 'j'),
}

func hostileKeysCase(t *caseT, h Harness) {
	s := t.open(h)
	value := func(i int) []byte { return fmt.Appendf(nil, "value %d", i) }
	for i, k := range hostileKeys {
		t.put(s, store.Record{Bucket: "b", Key: k, Value: value(i)})
	}
	for i, k := range hostileKeys {
		r := t.get(s, "b", k)
		if !bytes.Equal(r.Key, k) || !bytes.Equal(r.Value, value(i)) {
			t.Errorf("Get(%q) = {Key %q, Value %q}, want {%q, %q}", short(k), short(r.Key), r.Value, short(k), value(i))
		}
	}
	got := t.scan(s, "b")
	if len(got) != len(hostileKeys) {
		t.Errorf("Scan yielded %d records, want %d, one per key", len(got), len(hostileKeys))
	}
	for i, k := range hostileKeys {
		if r, ok := got[string(k)]; !ok || !bytes.Equal(r.Value, value(i)) {
			t.Errorf("Scan: key %q has value %q (present %v), want %q", short(k), r.Value, ok, value(i))
		}
	}
}

func emptyValue(t *caseT, h Harness) {
	s := t.open(h)
	for _, v := range [][]byte{nil, {}} {
		k := fmt.Appendf(nil, "%#v", v)
		t.put(s, store.Record{Bucket: "b", Key: k, Value: v})
		if r := t.get(s, "b", k); len(r.Value) != 0 {
			t.Errorf("Get(%q).Value = %q, want empty", k, r.Value)
		}
	}
}

func largeValue(t *caseT, h Harness) {
	s := t.open(h)
	v := make([]byte, 1<<20)
	for i := range v {
		v[i] = byte(i*7 + i>>8) // varied, not compressible to nothing
	}
	t.put(s, store.Record{Bucket: "b", Key: []byte("big"), Value: v})
	t.wantValue(s, "b", []byte("big"), v)
}

func bucketIsolation(t *caseT, h Harness) {
	s := t.open(h)
	ctx := t.Context()
	// Pairs that collide when a backend joins bucket and key with a
	// separator, or scans a bucket by prefix.
	records := []store.Record{
		{Bucket: "", Key: []byte("k"), Value: []byte("default")},
		{Bucket: "a", Key: []byte("k"), Value: []byte("a")},
		{Bucket: "b", Key: []byte("k"), Value: []byte("b")},
		{Bucket: "ab", Key: []byte("k"), Value: []byte("ab")},
		{Bucket: "a", Key: []byte(":x"), Value: []byte("a + :x")},
		{Bucket: "a:", Key: []byte("x"), Value: []byte("a: + x")},
		{Bucket: "a", Key: []byte("/x"), Value: []byte("a + /x")},
		{Bucket: "a/", Key: []byte("x"), Value: []byte("a/ + x")},
	}
	for _, r := range records {
		t.put(s, r)
	}
	want := make(map[string]map[string]string)
	for _, r := range records {
		t.wantValue(s, r.Bucket, r.Key, r.Value)
		if want[r.Bucket] == nil {
			want[r.Bucket] = make(map[string]string)
		}
		want[r.Bucket][string(r.Key)] = string(r.Value)
	}
	t.wantMissing(s, "c", []byte("k"))
	t.wantMissing(s, "b", []byte(":x"))
	for bucket, keys := range want {
		got := t.scan(s, bucket)
		if len(got) != len(keys) {
			t.Errorf("Scan(%q) yielded %d records, want %d", bucket, len(got), len(keys))
		}
		for k, r := range got {
			if r.Bucket != bucket || keys[k] != string(r.Value) {
				t.Errorf("Scan(%q) yielded {Bucket %q, Key %q, Value %q}, which is not in that bucket", bucket, r.Bucket, k, r.Value)
			}
		}
	}
	if err := s.Delete(ctx, "a", []byte("k")); err != nil {
		t.Fatalf("Delete(a, k) = %v", err)
	}
	t.wantMissing(s, "a", []byte("k"))
	for _, b := range []string{"", "b", "ab"} {
		t.wantValue(s, b, []byte("k"), []byte(want[b]["k"]))
	}
}

func scanCase(t *caseT, h Harness) {
	s := t.open(h)
	ctx := t.Context()
	want := map[string]string{"one": "1", "two": "2", "three": "3"}
	for k, v := range want {
		t.put(s, store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)})
	}
	t.put(s, store.Record{Bucket: "b", Key: []byte("expired"), Value: []byte("x"), ExpireAt: time.Now().Add(-time.Minute)})
	t.put(s, store.Record{Bucket: "other", Key: []byte("four"), Value: []byte("4")})

	if got := t.scan(s, "empty"); len(got) != 0 {
		t.Errorf("Scan of a bucket never written yielded %d records, want none", len(got))
	}
	got := t.scan(s, "b")
	if len(got) != len(want) {
		t.Errorf("Scan yielded %d records, want %d", len(got), len(want))
	}
	for k, r := range got {
		if r.Bucket != "b" || want[k] != string(r.Value) {
			t.Errorf("Scan yielded {Bucket %q, Key %q, Value %q}, want one of %v in bucket %q", r.Bucket, k, r.Value, want, "b")
		}
		// The caller owns what Scan yields.
		for i := range r.Key {
			r.Key[i] = '!'
		}
		for i := range r.Value {
			r.Value[i] = '!'
		}
	}
	for k, v := range want {
		t.wantValue(s, "b", []byte(k), []byte(v))
	}

	n := 0
	for _, err := range s.Scan(ctx, "b") {
		if err != nil {
			t.Fatalf("Scan yielded error %v", err)
		}
		n++
		break // a backend that yields after this panics in the range loop
	}
	if n != 1 {
		t.Errorf("Scan with an early break ran the loop body %d times, want 1", n)
	}
}

func noAliasing(t *caseT, h Harness) {
	s := t.open(h)
	key, value := []byte("key"), []byte("value")
	t.put(s, store.Record{Bucket: "b", Key: key, Value: value})
	copy(key, "XXX")
	copy(value, "XXXXX")
	t.wantValue(s, "b", []byte("key"), []byte("value"))
	t.wantMissing(s, "b", []byte("XXX"))

	r := t.get(s, "b", []byte("key"))
	for i := range r.Key {
		r.Key[i] = '!'
	}
	for i := range r.Value {
		r.Value[i] = '!'
	}
	// Appending must not reach the backend's memory either.
	_ = append(r.Value[:1], "appended"...)
	t.wantValue(s, "b", []byte("key"), []byte("value"))
}

func concurrentWriters(t *caseT, h Harness) {
	s := t.open(h)
	const writers, perWriter = 8, 200
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				k := fmt.Appendf(nil, "w%d-%d", w, i)
				if err := s.Put(ctx, store.Record{Bucket: "b", Key: k, Value: k}); err != nil {
					errs <- fmt.Errorf("Put(%q) = %w", k, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v", err)
	}
	missing := 0
	for w := range writers {
		for i := range perWriter {
			k := fmt.Appendf(nil, "w%d-%d", w, i)
			r, err := s.Get(ctx, "b", k)
			if err != nil || !bytes.Equal(r.Value, k) {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d records written concurrently are missing or wrong", missing, writers*perWriter)
	}
	if n := len(t.scan(s, "b")); n != writers*perWriter {
		t.Errorf("Scan yielded %d records, want %d", n, writers*perWriter)
	}
}

func cancelledContext(t *caseT, h Harness) {
	s := t.open(h)
	t.put(s, store.Record{Bucket: "b", Key: []byte("kept"), Value: []byte("v")})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	want := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want an error matching context.Canceled", op, err)
		}
	}
	want("Put", s.Put(ctx, store.Record{Bucket: "b", Key: []byte("new"), Value: []byte("v")}))
	_, err := s.Get(ctx, "b", []byte("kept"))
	want("Get", err)
	want("Delete", s.Delete(ctx, "b", []byte("kept")))
	var scanErr error
	for r, err := range s.Scan(ctx, "b") {
		if err == nil {
			t.Errorf("Scan with a cancelled context yielded record %q, want an error first", r.Key)
			continue
		}
		scanErr = err
	}
	want("Scan", scanErr)
	if bp, ok := s.(store.BatchPutter); ok {
		want("PutBatch", bp.PutBatch(ctx, []store.Record{{Bucket: "b", Key: []byte("batch"), Value: []byte("v")}}))
		t.wantMissing(s, "b", []byte("batch"))
	}
	if p, ok := s.(store.Pinger); ok {
		want("Ping", p.Ping(ctx))
	}
	t.wantMissing(s, "b", []byte("new"))
	t.wantValue(s, "b", []byte("kept"), []byte("v"))
}

func useAfterClose(t *caseT, h Harness) {
	s := t.open(h)
	ctx := t.Context()
	t.put(s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	want := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want an error matching store.ErrClosed", op, err)
		}
	}
	want("Put", s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k2"), Value: []byte("v")}))
	_, err := s.Get(ctx, "b", []byte("k"))
	want("Get", err)
	want("Delete", s.Delete(ctx, "b", []byte("k")))
	var scanErr error
	for r, err := range s.Scan(ctx, "b") {
		if err == nil {
			t.Errorf("Scan after Close yielded record %q, want an error", r.Key)
			continue
		}
		scanErr = err
	}
	want("Scan", scanErr)
	if bp, ok := s.(store.BatchPutter); ok {
		want("PutBatch", bp.PutBatch(ctx, []store.Record{{Bucket: "b", Key: []byte("k3")}}))
	}
	if p, ok := s.(store.Pinger); ok {
		want("Ping", p.Ping(ctx))
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func reopen(t *caseT, h Harness) {
	s := t.open(h)
	ctx := t.Context()
	exp := time.Now().Add(time.Hour).Round(time.Millisecond)
	t.put(s, store.Record{Bucket: "b", Key: []byte("kept"), Value: []byte("v1")})
	t.put(s, store.Record{Bucket: "b", Key: []byte("expiring"), Value: []byte("v2"), ExpireAt: exp})
	t.put(s, store.Record{Bucket: "b", Key: []byte("deleted"), Value: []byte("v3")})
	t.put(s, store.Record{Bucket: "c", Key: []byte("kept"), Value: []byte("v4")})
	if err := s.Delete(ctx, "b", []byte("deleted")); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}

	s = t.open(h)
	t.wantValue(s, "b", []byte("kept"), []byte("v1"))
	t.wantValue(s, "c", []byte("kept"), []byte("v4"))
	checkExpireAt(t, t.get(s, "b", []byte("expiring")), exp)
	t.wantMissing(s, "b", []byte("deleted"))
	if n := len(t.scan(s, "b")); n != 2 {
		t.Errorf("Scan after reopen yielded %d records, want 2", n)
	}
}

func putBatch(t *caseT, h Harness) {
	s := t.open(h)
	bp, ok := s.(store.BatchPutter)
	if !ok {
		t.Skip("the backend does not implement store.BatchPutter")
	}
	ctx := t.Context()
	if err := bp.PutBatch(ctx, nil); err != nil {
		t.Errorf("PutBatch of no records = %v, want nil", err)
	}
	const n = 500
	rs := make([]store.Record, n)
	for i := range rs {
		k := fmt.Appendf(nil, "k%03d", i)
		rs[i] = store.Record{Bucket: "b", Key: k, Value: bytes.Clone(k)}
	}
	rs[n-1].ExpireAt = time.Now().Add(-time.Minute) // in a batch as alone
	if err := bp.PutBatch(ctx, rs); err != nil {
		t.Fatalf("PutBatch of %d records = %v", n, err)
	}
	for _, r := range rs {
		copy(r.Value, "XXXX") // the batch's slices belong to the caller again
	}
	for i := range n - 1 {
		k := fmt.Appendf(nil, "k%03d", i)
		t.wantValue(s, "b", k, k)
	}
	t.wantMissing(s, "b", rs[n-1].Key)
	if got := len(t.scan(s, "b")); got != n-1 {
		t.Errorf("Scan after PutBatch yielded %d records, want %d", got, n-1)
	}
}

func ping(t *caseT, h Harness) {
	s := t.open(h)
	p, ok := s.(store.Pinger)
	if !ok {
		t.Skip("the backend does not implement store.Pinger")
	}
	if err := p.Ping(t.Context()); err != nil {
		t.Errorf("Ping = %v, want nil", err)
	}
}

func hostileBuckets(t *caseT, h Harness) {
	s := t.open(h)
	buckets := []string{
		"", " ", "a", "A", "..", "/", "/etc", `C:\x`, "CON", "nul\x00byte", "\xff\xfe",
		"*", "?", "[a-z]", "{tag}", "a:b", "a/b", "%2F", strings.Repeat("b", 1000),
	}
	for i, b := range buckets {
		t.put(s, store.Record{Bucket: b, Key: []byte("k"), Value: []byte(fmt.Sprint(i))})
	}
	for i, b := range buckets {
		t.wantValue(s, b, []byte("k"), []byte(fmt.Sprint(i)))
		got := t.scan(s, b)
		if len(got) != 1 || string(got["k"].Value) != fmt.Sprint(i) || got["k"].Bucket != b {
			t.Errorf("Scan(%q) yielded %v, want only its own record", b, got)
		}
	}
}

func writeDuringScan(t *caseT, h Harness) {
	s := t.open(h)
	ctx := t.Context()
	const n = 50
	for i := range n {
		t.put(s, store.Record{Bucket: "b", Key: []byte(fmt.Sprintf("k%02d", i)), Value: []byte("v")})
	}
	seen := map[string]bool{}
	i := 0
	for r, err := range s.Scan(ctx, "b") {
		if err != nil {
			t.Fatalf("Scan yielded error %v", err)
		}
		seen[string(r.Key)] = true
		// Write, read and delete other records from inside the loop.
		if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte(fmt.Sprintf("new%02d", i)), Value: []byte("w")}); err != nil {
			t.Fatalf("Put inside a Scan loop = %v", err)
		}
		if _, err := s.Get(ctx, "b", r.Key); err != nil {
			t.Fatalf("Get inside a Scan loop = %v", err)
		}
		if err := s.Put(ctx, store.Record{Bucket: "other", Key: r.Key, Value: []byte("o")}); err != nil {
			t.Fatalf("Put to another bucket inside a Scan loop = %v", err)
		}
		i++
	}
	for i := range n {
		if k := fmt.Sprintf("k%02d", i); !seen[k] {
			t.Errorf("Scan with writes in its loop body missed %q, which was there before the scan", k)
		}
	}
}
