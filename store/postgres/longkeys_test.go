package postgres

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestLongRandomKeys stores keys and buckets of random bytes larger than a
// B-tree index entry may be (about 2.7 KB, a third of a page), which do
// not compress to fit as storetest's repeated bytes do. The store contract
// allows keys of 10 KB and any bucket string.
func TestLongRandomKeys(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	ctx := t.Context()
	random := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rand.Read(b)
		return b
	}
	bucket := string(random(4000))
	var rs []store.Record
	for _, b := range []string{"short", bucket} {
		for _, n := range []int{1, 100, 3000, 10 << 10} {
			rs = append(rs, store.Record{Bucket: b, Key: random(n), Value: random(64)})
		}
	}
	for i, r := range rs {
		var err error
		if i%2 == 0 {
			err = s.Put(ctx, r)
		} else {
			err = s.PutBatch(ctx, []store.Record{r})
		}
		if err != nil {
			t.Fatalf("Put of a %d-byte key in a %d-byte bucket = %v", len(r.Key), len(r.Bucket), err)
		}
	}
	for _, r := range rs {
		got, err := s.Get(ctx, r.Bucket, r.Key)
		if err != nil || !bytes.Equal(got.Value, r.Value) || !bytes.Equal(got.Key, r.Key) {
			t.Errorf("Get of a %d-byte key in a %d-byte bucket = %v", len(r.Key), len(r.Bucket), err)
		}
	}
	if n := len(scanAll(t, s, bucket)); n != 4 {
		t.Errorf("Scan of the long bucket = %d records, want 4", n)
	}
	found := false
	for b, err := range s.Buckets(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || b == bucket
	}
	if !found {
		t.Errorf("Buckets did not yield the long bucket")
	}
	if err := s.Delete(ctx, bucket, rs[7].Key); err != nil {
		t.Fatal(err)
	}
	if n := len(scanAll(t, s, bucket)); n != 3 {
		t.Errorf("Scan after a Delete = %d records, want 3", n)
	}
}
