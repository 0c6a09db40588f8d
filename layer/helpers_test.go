package layer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/livedict/livedict/store"
)

var errWB = errors.New("boom")

func wbRec(bucket, key, value string) store.Record {
	return store.Record{Bucket: bucket, Key: []byte(key), Value: []byte(value)}
}

// wbValue returns the value stored under bucket/key in mem, or "<missing>".
func wbValue(t testing.TB, mem store.Stage, bucket, key string) string {
	t.Helper()
	r, err := mem.Get(context.Background(), bucket, []byte(key))
	if errors.Is(err, store.ErrNotFound) {
		return "<missing>"
	}
	if err != nil {
		t.Fatalf("backend Get(%q, %q) = %v", bucket, key, err)
	}
	return string(r.Value)
}

func wbPut(t testing.TB, s store.Stage, r store.Record) {
	t.Helper()
	if err := s.Put(context.Background(), r); err != nil {
		t.Fatalf("Put(%q, %q) = %v", r.Bucket, r.Key, err)
	}
}

func wbClose(t testing.TB, s store.Stage) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
}
