package badger_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

func openT(t *testing.T, dir string, opts *badger.Options) *badger.Store {
	t.Helper()
	s, err := badger.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%q) = %v", dir, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustPut(t *testing.T, s store.Stage, r store.Record) {
	t.Helper()
	if err := s.Put(t.Context(), r); err != nil {
		t.Fatalf("Put(%q, %q) = %v", r.Bucket, r.Key, err)
	}
}

func wantValue(t *testing.T, s store.Stage, bucket, key, value string) {
	t.Helper()
	r, err := s.Get(t.Context(), bucket, []byte(key))
	if err != nil || string(r.Value) != value {
		t.Errorf("Get(%q, %q) = (%q, %v), want %q", bucket, key, r.Value, err, value)
	}
}

func wantMissing(t *testing.T, s store.Stage, bucket, key string) {
	t.Helper()
	if r, err := s.Get(t.Context(), bucket, []byte(key)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(%q, %q) = (%q, %v), want an error matching store.ErrNotFound", bucket, key, r.Value, err)
	}
}

func scanAll(t *testing.T, s store.Stage, bucket string) []store.Record {
	t.Helper()
	var out []store.Record
	for r, err := range s.Scan(t.Context(), bucket) {
		if err != nil {
			t.Fatalf("Scan(%q) yielded %v", bucket, err)
		}
		out = append(out, r)
	}
	return out
}

// TestReopenInProcess closes and reopens one directory several times in
// one process: Close must release Badger's directory lock, and each reopen
// sees all the writes, deletes and expiries made before.
func TestReopenInProcess(t *testing.T) {
	dir := t.TempDir()
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	for round := range 4 {
		s, err := badger.Open(dir, nil)
		if err != nil {
			t.Fatalf("round %d: Open = %v", round, err)
		}
		for i := range round {
			wantValue(t, s, "b", fmt.Sprint(i), fmt.Sprint("v", i))
		}
		if round > 0 {
			r, err := s.Get(t.Context(), "ttl", []byte("k"))
			if err != nil || !r.ExpireAt.Equal(exp) {
				t.Errorf("round %d: Get(ttl, k) = (%v, %v), want ExpireAt %v", round, r.ExpireAt, err, exp)
			}
			wantMissing(t, s, "gone", "k")
		}
		mustPut(t, s, store.Record{Bucket: "b", Key: []byte(fmt.Sprint(round)), Value: []byte(fmt.Sprint("v", round))})
		mustPut(t, s, store.Record{Bucket: "ttl", Key: []byte("k"), Value: []byte("v"), ExpireAt: exp})
		mustPut(t, s, store.Record{Bucket: "gone", Key: []byte("k"), Value: []byte("v")})
		if err := s.Delete(t.Context(), "gone", []byte("k")); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close = %v", round, err)
		}
	}
}

// TestOpenLocked checks that a directory open in this process cannot be
// opened twice, with a matchable error, and can once it is closed.
func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, nil)
	if s2, err := badger.Open(dir, nil); !errors.Is(err, badger.ErrLocked) {
		if s2 != nil {
			_ = s2.Close()
		}
		t.Fatalf("second Open of an open directory = %v, want an error matching ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	openT(t, dir, nil)
}

// TestExpirySubSecond checks the millisecond precision that Badger's
// one-second TTL lacks: a record whose ExpireAt passed a millisecond ago is
// hidden although Badger itself, which expires it at the next whole second,
// still returns it.
func TestExpirySubSecond(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	ctx := t.Context()
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("live"), Value: []byte("v"), ExpireAt: time.Now().Add(time.Hour)})
	// An attempt proves nothing when a whole second ends between the Put
	// and the look at Badger; then it is tried again with a new key.
	for attempt := range 20 {
		at := time.Now().Add(-time.Millisecond)
		key := fmt.Appendf(nil, "expired-%d", attempt)
		mustPut(t, s, store.Record{Bucket: "b", Key: key, Value: []byte("v"), ExpireAt: at})
		err := s.DB().View(func(txn *bdg.Txn) error {
			_, err := txn.Get(append([]byte("r\x01b"), key...))
			return err
		})
		if errors.Is(err, bdg.ErrKeyNotFound) {
			continue // Badger's second is over too
		}
		if err != nil {
			t.Fatal(err)
		}
		if r, err := s.Get(ctx, "b", key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of a record expired %v ago = (%q, %v), want ErrNotFound", time.Since(at), r.Value, err)
		}
		got := scanAll(t, s, "b")
		if len(got) != 1 || string(got[0].Key) != "live" {
			t.Errorf("Scan yielded %d records, want only %q", len(got), "live")
		}
		return
	}
	t.Fatal("Badger never held a record expired a millisecond ago: its TTL is not rounded up to the next second")
}

// TestExpiryPrecision checks that ExpireAt comes back to the millisecond
// and is never later than the one stored.
func TestExpiryPrecision(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	at := time.Now().Add(time.Hour).Truncate(time.Second).Add(123*time.Millisecond + 456*time.Microsecond)
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v"), ExpireAt: at})
	r, err := s.Get(t.Context(), "b", []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	if want := at.Truncate(time.Millisecond); !r.ExpireAt.Equal(want) {
		t.Errorf("ExpireAt = %v, want %v (the stored one, to the millisecond)", r.ExpireAt, want)
	}
}

// TestScanPrefixBuckets puts the same keys in buckets that are prefixes of
// one another (and a bucket named so that a naive layout would start its
// keys with Badger's reserved "!badger!"), and checks that Scan, Get and
// Delete of each see only their own bucket.
func TestScanPrefixBuckets(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	ctx := t.Context()
	buckets := []string{"", "a", "ab", "abc", "a\x00", "\x01a", "badger!" + strings.Repeat("x", 26), strings.Repeat("a", 127), strings.Repeat("a", 128)}
	keys := []string{"", "k", "bc", "c", "\x00"}
	for _, b := range buckets {
		for _, k := range keys {
			mustPut(t, s, store.Record{Bucket: b, Key: []byte(k), Value: []byte(b + "|" + k)})
		}
	}
	for _, b := range buckets {
		got := scanAll(t, s, b)
		if len(got) != len(keys) {
			t.Errorf("Scan(%q) yielded %d records, want %d", b, len(got), len(keys))
		}
		for _, r := range got {
			if r.Bucket != b || string(r.Value) != b+"|"+string(r.Key) {
				t.Errorf("Scan(%q) yielded {%q, %q, %q}, not a record of that bucket", b, r.Bucket, r.Key, r.Value)
			}
		}
	}
	if err := s.Delete(ctx, "a", []byte("bc")); err != nil {
		t.Fatal(err)
	}
	wantMissing(t, s, "a", "bc")
	wantValue(t, s, "ab", "c", "ab|c")
	wantValue(t, s, "abc", "", "abc|")
	wantMissing(t, s, "", "abc") // "" + "abc" must not reach bucket "a" or "ab"
	wantMissing(t, s, "a", "bk")
}

// TestTooLarge checks that records Badger cannot hold get a matchable
// error that quotes neither key nor value, and that a batch holding one
// writes nothing.
func TestTooLarge(t *testing.T) {
	s := openT(t, t.TempDir(), &badger.Options{ValueLogFileSize: 1 << 20})
	ctx := t.Context()
	secret := []byte("SECRET")
	bigKey := append(bytes.Repeat([]byte("k"), 65000), secret...)
	bigValue := append(bytes.Repeat([]byte("v"), 1<<20), secret...)
	for _, c := range []struct {
		name string
		r    store.Record
	}{
		{"key", store.Record{Bucket: "b", Key: bigKey, Value: []byte("v")}},
		{"bucket and key", store.Record{Bucket: string(bigKey[:40000]), Key: bigKey[:30000], Value: []byte("v")}},
		{"value", store.Record{Bucket: "b", Key: []byte("k"), Value: bigValue}},
		{"value with expiry header", store.Record{Bucket: "b", Key: []byte("k"), Value: bigValue[:1<<20-7], ExpireAt: time.Now().Add(time.Hour)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := s.Put(ctx, c.r)
			if !errors.Is(err, badger.ErrTooLarge) {
				t.Fatalf("Put = %v, want an error matching ErrTooLarge", err)
			}
			if strings.Contains(err.Error(), "SECRET") || len(err.Error()) > 300 {
				t.Errorf("error quotes the record: %.200q", err)
			}
			batch := []store.Record{{Bucket: "b", Key: []byte("first"), Value: []byte("v")}, c.r}
			if err := s.PutBatch(ctx, batch); !errors.Is(err, badger.ErrTooLarge) {
				t.Errorf("PutBatch = %v, want an error matching ErrTooLarge", err)
			}
			wantMissing(t, s, "b", "first")
		})
	}
	// Largest that fits: exactly the value log file size.
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: bigValue[:1<<20]})
	if err := s.Delete(ctx, "b", bigKey); err != nil {
		t.Errorf("Delete of a key too long to store = %v, want nil (nothing to delete)", err)
	}
}

// TestPutBatchSplits writes a batch several times larger than one Badger
// transaction holds (1 MiB memtables: about 150 KB per transaction), with a
// key repeated across the split: every record lands and the last write of
// the key wins.
func TestPutBatchSplits(t *testing.T) {
	s := openT(t, t.TempDir(), &badger.Options{MemTableSize: 1 << 20})
	value := bytes.Repeat([]byte("x"), 1024)
	const n = 1000
	rs := make([]store.Record, 0, n+1)
	rs = append(rs, store.Record{Bucket: "b", Key: []byte("dup"), Value: []byte("first")})
	for i := range n {
		rs = append(rs, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%04d", i), Value: value})
	}
	rs = append(rs, store.Record{Bucket: "b", Key: []byte("dup"), Value: []byte("last")})
	if err := s.PutBatch(t.Context(), rs); err != nil {
		t.Fatalf("PutBatch of %d records = %v", len(rs), err)
	}
	if got := len(scanAll(t, s, "b")); got != n+1 {
		t.Errorf("Scan yielded %d records, want %d", got, n+1)
	}
	wantValue(t, s, "b", "dup", "last")
}

// TestCloseRacesCalls closes the store while goroutines keep calling it:
// every call returns nil or an error matching store.ErrClosed (never a
// Badger panic or error), and Close waits for the calls in progress.
func TestCloseRacesCalls(t *testing.T) {
	s, err := badger.Open(t.TempDir(), &badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	check := func(op string, err error) bool {
		if err != nil && !errors.Is(err, store.ErrClosed) {
			errs <- fmt.Errorf("%s: %w", op, err)
			return false
		}
		return err == nil
	}
	var running sync.WaitGroup // each worker done with one full round
	for w := range 6 {
		running.Add(1)
		wg.Go(func() {
			for i := 0; ; i++ {
				if i == 1 {
					running.Done()
				}
				k := fmt.Appendf(nil, "w%d-%d", w, i)
				ok := check("Put", s.Put(ctx, store.Record{Bucket: "b", Key: k, Value: k}))
				_, err := s.Get(ctx, "b", []byte("k"))
				ok = check("Get", err) && ok
				ok = check("PutBatch", s.PutBatch(ctx, []store.Record{{Bucket: "b", Key: k, Value: k}})) && ok
				ok = check("Delete", s.Delete(ctx, "b", k)) && ok
				ok = check("Ping", s.Ping(ctx)) && ok
				for _, err := range s.Scan(ctx, "b") {
					ok = check("Scan", err) && ok
					break
				}
				if !ok {
					if i == 0 {
						running.Done()
					}
					return
				}
			}
		})
	}
	running.Wait()
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOpenInvalidOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		dir  string
		opts *badger.Options
	}{
		{"empty dir", "", nil},
		{"tiny memtable", "d", &badger.Options{MemTableSize: 1000}},
		{"negative memtable", "d", &badger.Options{MemTableSize: -1}},
		{"tiny value log", "d", &badger.Options{ValueLogFileSize: 1000}},
		{"value log of 2 GiB", "d", &badger.Options{ValueLogFileSize: 2 << 30}},
		{"Tune: one compactor", "d", &badger.Options{Tune: func(o *bdg.Options) { o.NumCompactors = 1 }}},
		// Badger panics on this one; Open must not.
		{"Tune: compression without cache", "d", &badger.Options{Tune: func(o *bdg.Options) { o.Compression = options.ZSTD }}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir != "" {
				dir = t.TempDir()
			}
			s, err := badger.Open(dir, c.opts)
			if !errors.Is(err, badger.ErrInvalidOptions) {
				if s != nil {
					_ = s.Close()
				}
				t.Errorf("Open = %v, want an error matching ErrInvalidOptions", err)
			}
		})
	}
}

// TestTune checks that Tune reaches Badger (compression with a block
// cache works) and cannot move the store off disk.
func TestTune(t *testing.T) {
	dir := t.TempDir()
	opts := &badger.Options{Tune: func(o *bdg.Options) {
		o.Compression = options.Snappy
		o.BlockCacheSize = 1 << 20
		o.InMemory = true // restored: the store stays in dir
		o.Dir = "elsewhere"
	}}
	s := openT(t, dir, opts)
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, opts)
	wantValue(t, s, "b", "k", "v")
}

func TestCapabilities(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	if !s.NativeTTL() {
		t.Error("NativeTTL = false, want true")
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Ping(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Ping with a cancelled context = %v", err)
	}
}

// TestCorruptValues plants values this package cannot have written, through
// Badger directly: Get and Scan report ErrCorrupt instead of returning
// garbage or panicking.
func TestCorruptValues(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	ctx := t.Context()
	for _, c := range []struct {
		name string
		meta byte
		raw  []byte
	}{
		{"short expiry header", 1, []byte("1234")},
		{"unknown layout bit", 0x40, []byte("v")},
	} {
		t.Run(c.name, func(t *testing.T) {
			bucket := "corrupt " + c.name
			key := append(append([]byte{'r', byte(len(bucket))}, bucket...), 'k')
			err := s.DB().Update(func(txn *bdg.Txn) error {
				return txn.SetEntry(bdg.NewEntry(key, c.raw).WithMeta(c.meta))
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, bucket, []byte("k")); !errors.Is(err, badger.ErrCorrupt) {
				t.Errorf("Get = %v, want an error matching ErrCorrupt", err)
			}
			// Scan reports the damaged value and goes on to the next.
			mustPut(t, s, store.Record{Bucket: bucket, Key: []byte("z"), Value: []byte("good")})
			var errs []error
			var good int
			for r, err := range s.Scan(ctx, bucket) {
				if err == nil {
					if string(r.Key) != "z" {
						t.Errorf("Scan yielded record %q, want an error", r.Key)
					}
					good++
					continue
				}
				if r.Key != nil || r.Value != nil {
					t.Errorf("Scan yielded data {%q %q} with its error", r.Key, r.Value)
				}
				errs = append(errs, err)
			}
			if len(errs) != 1 || !errors.Is(errs[0], badger.ErrCorrupt) || !errors.Is(errs[0], store.ErrCorrupt) || good != 1 {
				t.Errorf("Scan yielded errors %v and %d good records, want one ErrCorrupt and the good one", errs, good)
			}
		})
	}
}
