package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestHostileBuckets checks that bucket names are stored byte for byte:
// NUL bytes, invalid UTF-8 and unnormalized Unicode are distinct buckets.
func TestHostileBuckets(t *testing.T) {
	path := tempPath(t)
	s := mustOpen(t, path, nil)
	ctx := t.Context()
	buckets := []string{"", "\x00", "a\x00", "a\x00b", "a", "\xff\xfe", "\xc3\x28", "é", "e\u0301", "'; DROP TABLE livedict_records; --", strings.Repeat("b", 10_000)}
	for i, b := range buckets {
		if err := s.Put(ctx, store.Record{Bucket: b, Key: []byte("k"), Value: fmt.Appendf(nil, "%d", i)}); err != nil {
			t.Fatalf("Put in bucket %q = %v", b, err)
		}
	}
	s2 := mustOpen(t, path, nil) // and from a second Store, through the file
	for i, b := range buckets {
		want := fmt.Sprint(i)
		if r, err := s2.Get(ctx, b, []byte("k")); err != nil || string(r.Value) != want || r.Bucket != b {
			t.Errorf("Get(bucket %q) = {%q, %q}, %v; want value %q", b, r.Bucket, r.Value, err, want)
		}
		got := scanAll(t, s2, b)
		if len(got) != 1 || string(got["k"].Value) != want || got["k"].Bucket != b {
			t.Errorf("Scan(bucket %q) = %v, want the one record with value %q", b, got, want)
		}
	}
}

// TestCloseDuringUse closes the Store while goroutines use it: every call
// either works or fails with ErrClosed, and Close returns once they are out.
func TestCloseDuringUse(t *testing.T) {
	s, err := Open(tempPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	started := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				k := fmt.Appendf(nil, "w%d-%d", w, i)
				err := s.Put(ctx, store.Record{Bucket: "b", Key: k, Value: k})
				if err == nil {
					_, err = s.Get(ctx, "b", k)
				}
				if err == nil && i%10 == 0 {
					for _, serr := range s.Scan(ctx, "b") {
						if serr != nil {
							err = serr
							break
						}
					}
				}
				once.Do(func() { close(started) })
				if errors.Is(err, store.ErrClosed) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	<-started
	if err := s.Close(); err != nil {
		t.Errorf("Close during use = %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call racing Close failed with %v, want nil or ErrClosed", err)
	}
}
