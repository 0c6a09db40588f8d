package backendtest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
)

// Persisted runs, against a backend, the Store-level promises that depend
// on what the backend lists and holds: Warm skips and reports damaged
// records and loads every good one, from buckets nobody declared; Rotate
// re-seals every record (declared bucket or not, in memory or persisted)
// so that retiring the old key leaves nothing unreadable; and DropBucket
// removes a bucket's records. newHarness gives each case fresh storage;
// the harness's Open is called for each Store and for the raw access that
// plants damage, never two at a time.
func Persisted(t *testing.T, newHarness func(t *testing.T) storetest.Harness) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, h storetest.Harness)
	}{
		{"WarmSkipsDamaged", warmSkipsDamaged},
		{"RotateThenRetire", rotateThenRetire},
		{"RotateSkipsDamaged", rotateSkipsDamaged},
		{"DropBucket", dropBucket},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, newHarness(t)) })
	}
}

// keys is one store's keys, shared by every Store a case opens.
type keys struct {
	ring    *crypto.Keyring
	nameKey crypto.Key
	k2      crypto.Key
}

func newKeys(t *testing.T) *keys {
	t.Helper()
	k1, _ := crypto.GenerateKey()
	k2, _ := crypto.GenerateKey()
	nk, _ := crypto.GenerateKey()
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k1)
	if err != nil {
		t.Fatal(err)
	}
	return &keys{ring: ring, nameKey: nk, k2: k2}
}

// open returns a Store over a newly opened backend, with buckets declared
// as given.
func (k *keys) open(t *testing.T, h storetest.Harness, buckets map[string]livedict.BucketOptions) *livedict.Store[string, string] {
	t.Helper()
	s, err := livedict.New(&livedict.Options[string, string]{
		Buckets: buckets,
		Persist: &livedict.Persist[string, string]{
			Backend: h.Open(t), Keyring: k.ring, NameKey: k.nameKey, Name: "backendtest",
			OnError: func(error) {},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (k *keys) name(bucket, key string) string {
	return crypto.NewNamer(k.nameKey).Name(bucket, []byte(key))
}

func mustClose(t *testing.T, c interface{ Close() error }) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
}

// raw runs fn on the backend alone, opened for it and closed after.
func raw(t *testing.T, h storetest.Harness, fn func(s store.Stage)) {
	t.Helper()
	s := h.Open(t)
	fn(s)
	mustClose(t, s)
}

// writeGood writes n records in each of buckets through a fresh Store and
// closes it; the buckets are made with Bucket, never declared.
func (k *keys) writeGood(t *testing.T, h storetest.Harness, buckets []string, n int) {
	t.Helper()
	s := k.open(t, h, nil)
	for _, b := range buckets {
		v := s.Bucket(b)
		for i := range n {
			if err := v.Set(fmt.Sprintf("key-%d", i), fmt.Sprintf("%s/value-%d", b, i), livedict.NoExpiry); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustClose(t, s)
}

// checkGood checks that s holds the values writeGood wrote.
func checkGood(t *testing.T, s *livedict.Store[string, string], buckets []string, n int) {
	t.Helper()
	for _, b := range buckets {
		for i := range n {
			want := fmt.Sprintf("%s/value-%d", b, i)
			if got, ok := s.Bucket(b).Get(fmt.Sprintf("key-%d", i)); !ok || got != want {
				t.Errorf("bucket %q key-%d = %q, %v; want %q", b, i, got, ok, want)
			}
		}
	}
}

// skippedNames returns the storage names a SkippedError lists, sorted.
func skippedNames(t *testing.T, err error) []string {
	t.Helper()
	var se *livedict.SkippedError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *livedict.SkippedError", err)
	}
	var names []string
	for _, r := range se.Records {
		names = append(names, r.Bucket+"/"+string(r.Name))
		if r.Key != nil {
			t.Errorf("a skipped record carries its key")
		}
	}
	slices.Sort(names)
	return names
}

const secretKey = "zz-secret-key"

// plant damages the store: a foreign value under a name of the encrypt
// layer's form in bucket a, a good record's blob copied under another
// name in bucket b, and, through the pipeline, a record of bucket a that
// opens but whose value is not msgpack. It returns the names it planted,
// as skippedNames gives them.
func (k *keys) plant(t *testing.T, h storetest.Harness) []string {
	t.Helper()
	ctx := context.Background()
	foreign := strings.Repeat("f", 64)
	moved := strings.Repeat("0", 64)
	raw(t, h, func(s store.Stage) {
		if err := s.Put(ctx, store.Record{Bucket: "a", Key: []byte(foreign), Value: []byte("not a sealed blob")}); err != nil {
			t.Fatal(err)
		}
		good, err := s.Get(ctx, "b", []byte(k.name("b", "key-0")))
		if err != nil {
			t.Fatalf("raw Get of a good record = %v", err)
		}
		good.Key = []byte(moved)
		if err := s.Put(ctx, good); err != nil {
			t.Fatal(err)
		}
	})
	s := k.open(t, h, nil)
	if err := s.Backend().Put(ctx, store.Record{Bucket: "a", Key: []byte(secretKey), Value: []byte{0xc1}}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	names := []string{"a/" + foreign, "b/" + moved, "a/" + k.name("a", secretKey)}
	slices.Sort(names)
	return names
}

func warmSkipsDamaged(t *testing.T, h storetest.Harness) {
	k := newKeys(t)
	buckets := []string{"a", "b"}
	k.writeGood(t, h, buckets, 7)
	want := k.plant(t, h)

	s := k.open(t, h, nil) // nothing declared: Warm learns a and b from the backend
	n, err := s.WarmAll(context.Background())
	if n != 14 {
		t.Errorf("Warm loaded %d records, want the 14 good ones", n)
	}
	if !errors.Is(err, livedict.ErrCorrupt) {
		t.Fatalf("Warm = %v, want an error matching ErrCorrupt", err)
	}
	if got := skippedNames(t, err); !slices.Equal(got, want) {
		t.Errorf("Warm skipped %q, want %q", got, want)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("Warm's error shows key material: %v", err)
	}
	checkGood(t, s, buckets, 7)
}

func rotateThenRetire(t *testing.T, h storetest.Harness) {
	k := newKeys(t)
	ctx := context.Background()
	buckets := []string{"", "r1", "r2"}
	k.writeGood(t, h, buckets, 10)
	// A sealed bucket, persisted and in memory.
	sealed := map[string]livedict.BucketOptions{"s": {Sealed: true}}
	s := k.open(t, h, sealed)
	for i := range 5 {
		if err := s.Bucket("s").Set(fmt.Sprintf("key-%d", i), fmt.Sprintf("s/value-%d", i), livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil { // the sealed records go out under key 1
		t.Fatal(err)
	}
	if err := k.ring.Add(2, k.k2); err != nil {
		t.Fatal(err)
	}
	if err := k.ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	// s declares only "s": r1 and r2 come from the backend's list.
	n, err := s.Rotate(ctx)
	if err != nil {
		t.Fatalf("Rotate = %d, %v", n, err)
	}
	if want := 3*10 + 5 + 5; n != want {
		t.Errorf("Rotate re-sealed %d, want %d (30 records, 5 sealed records, 5 sealed values in memory)", n, want)
	}
	if err := k.ring.Remove(1); err != nil {
		t.Fatal(err)
	}
	checkGood(t, s, []string{"s"}, 5) // the in-memory sealed values open under key 2
	mustClose(t, s)

	raw(t, h, func(st store.Stage) {
		for _, b := range append(buckets, "s") {
			for r, err := range st.Scan(ctx, b) {
				if err != nil {
					t.Fatalf("raw Scan = %v", err)
				}
				if len(r.Value) < 6 || binary.BigEndian.Uint32(r.Value[2:6]) != 2 {
					t.Errorf("bucket %q holds a record not sealed under key 2 after Rotate", b)
				}
			}
		}
	})
	s = k.open(t, h, sealed)
	n, err = s.WarmAll(ctx)
	if err != nil || n != 35 {
		t.Fatalf("Warm after retiring key 1 = %d, %v; want 35, nil", n, err)
	}
	checkGood(t, s, append(buckets, "s"), 5)
}

func rotateSkipsDamaged(t *testing.T, h storetest.Harness) {
	k := newKeys(t)
	ctx := context.Background()
	k.writeGood(t, h, []string{"a", "b"}, 7)
	want := k.plant(t, h)
	if err := k.ring.Add(2, k.k2); err != nil {
		t.Fatal(err)
	}
	if err := k.ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	s := k.open(t, h, nil)
	n, err := s.Rotate(ctx)
	// The record whose value is not msgpack opens, so it is re-sealed;
	// the other two cannot be.
	if n != 15 || !errors.Is(err, livedict.ErrCorrupt) {
		t.Fatalf("Rotate = %d, %v; want 15 and an error matching ErrCorrupt", n, err)
	}
	got := skippedNames(t, err)
	if !slices.Equal(got, []string{want[0], want[1]}) && !slices.Equal(got, []string{want[0], want[2]}) && !slices.Equal(got, []string{want[1], want[2]}) {
		t.Errorf("Rotate skipped %q, want two of %q", got, want)
	}
	mustClose(t, s)
	raw(t, h, func(st store.Stage) {
		for _, name := range got {
			b, n, _ := strings.Cut(name, "/")
			if err := st.Delete(ctx, b, []byte(n)); err != nil {
				t.Fatal(err)
			}
		}
	})
	s = k.open(t, h, nil)
	if n, err := s.Rotate(ctx); err != nil || n != 0 {
		t.Fatalf("Rotate after deleting the damaged records = %d, %v; want 0, nil", n, err)
	}
}

func dropBucket(t *testing.T, h storetest.Harness) {
	k := newKeys(t)
	ctx := context.Background()
	k.writeGood(t, h, []string{"keep", "drop"}, 5)
	s := k.open(t, h, nil)
	if err := s.DropBucket(ctx, "drop"); err != nil {
		t.Fatalf("DropBucket of a bucket only the backend knows = %v", err)
	}
	if _, err := s.WarmAll(ctx); err != nil {
		t.Fatal(err)
	}
	checkGood(t, s, []string{"keep"}, 5)
	if n := s.Bucket("drop").Len(); n != 0 {
		t.Errorf("the dropped bucket holds %d entries after Warm", n)
	}
	v := s.Bucket("keep")
	if err := s.DropBucket(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	if err := v.Set("x", "y", livedict.NoExpiry); !errors.Is(err, livedict.ErrBucketDropped) {
		t.Errorf("Set through a dropped bucket's view = %v, want ErrBucketDropped", err)
	}
	mustClose(t, s)
	raw(t, h, func(st store.Stage) {
		for _, b := range []string{"keep", "drop"} {
			for _, err := range st.Scan(ctx, b) {
				t.Errorf("bucket %q still holds a record after DropBucket (err %v)", b, err)
				break
			}
		}
	})
}
