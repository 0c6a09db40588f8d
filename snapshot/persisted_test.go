package snapshot

import (
	"bytes"
	"context"
	"maps"
	"sync"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// persisting returns a store persisting to the shared memory data with
// the keys of sealedOpts, and a Sealed bucket "sealed".
func persisting(t *testing.T, data *store.MemoryData) *livedict.Store[string, string] {
	t.Helper()
	o := sealedOpts[string](t)
	s, err := livedict.New(&livedict.Options[string, string]{
		Persist: &livedict.Persist[string, string]{
			Backend: store.NewMemoryShared(data), Keyring: o.Keyring, NameKey: o.NameKey, Name: o.Name,
		},
		Buckets: map[string]livedict.BucketOptions{"sealed": {Sealed: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A snapshot's records are the records the store's backend holds: put
// into a backend as they are, a store with the same keys reads them.
func TestRecordsAreBackendRecords(t *testing.T) {
	opts := sealedOpts[string](t)
	data := write(t, smallStore(t), opts)
	fs := frames(t, data)
	h, err := parseHeader(data[fs[0].start+headSize : fs[0].end-tagSize])
	if err != nil {
		t.Fatal(err)
	}
	backend := new(store.MemoryData)
	raw := store.NewMemoryShared(backend)
	for _, f := range fs[1 : len(fs)-1] {
		r, ok := parseRecord(data[f.start+headSize : f.end-tagSize])
		if !ok {
			t.Fatal("bad record")
		}
		rec := store.Record{Bucket: h.buckets[r.bucket], Key: r.key, Value: r.value, ExpireAt: r.expireAt}
		if err := raw.Put(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	s := persisting(t, backend)
	for _, b := range []string{"", "x", "y"} {
		if _, err := s.Bucket(b).Warm(context.Background()); err != nil {
			t.Fatalf("Warm %q: %v", b, err)
		}
	}
	if v, _ := s.Bucket("x").Get("c"); v != "gamma" || s.LenAll() != 4 {
		t.Errorf("the store read %d entries from snapshot records (x/c = %q), want 4", s.LenAll(), v)
	}
}

// A persisting store with a Sealed bucket snapshots and restores, and
// restored entries reach its backend at Flush.
func TestPersistingStore(t *testing.T) {
	src := persisting(t, new(store.MemoryData))
	src.Bucket("sealed").Set("k", "sealed value", livedict.NoExpiry)
	src.Bucket("plain").Set("k", "plain value", livedict.NoExpiry)
	snap := write(t, src, sealedOpts[string](t))

	backend := new(store.MemoryData)
	dst := persisting(t, backend)
	if _, err := Restore(context.Background(), bytes.NewReader(snap), dst, sealedOpts[string](t)); err != nil {
		t.Fatal(err)
	}
	if err := dst.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	again := persisting(t, backend)
	got := map[string]string{}
	for _, b := range []string{"sealed", "plain"} {
		if _, err := again.Bucket(b).Warm(context.Background()); err != nil {
			t.Fatal(err)
		}
		v, _ := again.Bucket(b).Get("k")
		got[b] = v
	}
	if want := map[string]string{"sealed": "sealed value", "plain": "plain value"}; !maps.Equal(got, want) {
		t.Errorf("after restore, Flush and a reopen: %v, want %v", got, want)
	}
}

// Write while other goroutines write: no race, and every entry that was
// never touched is in the snapshot.
func TestWriteWhileWriting(t *testing.T) {
	s := newStore[int, int](t)
	for i := range 1000 {
		s.Set(i, i, livedict.NoExpiry)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				k := 10_000 + g*1_000_000 + i%1000
				s.Set(k, i, livedict.NoExpiry)
				s.Delete(k - 1)
			}
		})
	}
	opts := Options[int, int]{Plaintext: true}
	var buf bytes.Buffer
	_, err := Write(context.Background(), &buf, s, opts)
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	dst := newStore[int, int](t)
	if _, err := Restore(context.Background(), &buf, dst, opts); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if v, ok := dst.Get(i); !ok || v != i {
			t.Fatalf("untouched key %d: %d, %v", i, v, ok)
		}
	}
}
