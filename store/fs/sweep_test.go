package fs

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/store"
)

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func TestGetAndScanRemoveExpiredFiles(t *testing.T) {
	s, dir := openTest(t, nil)
	ctx := t.Context()
	past := time.Now().Add(-time.Second)
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("by get"), Value: []byte("v"), ExpireAt: past})
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("by scan"), Value: []byte("v"), ExpireAt: past})
	for _, k := range []string{"by get", "by scan"} {
		if !exists(t, entryPath(dir, "b", []byte(k))) {
			t.Fatalf("Put of an expired record %q wrote no file", k)
		}
	}
	if _, err := s.Get(ctx, "b", []byte("by get")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of an expired record = %v, want ErrNotFound", err)
	}
	if exists(t, entryPath(dir, "b", []byte("by get"))) {
		t.Errorf("Get left the expired file in place")
	}
	for r, err := range s.Scan(ctx, "b") {
		t.Fatalf("Scan yielded %q, %v; want nothing", r.Key, err)
	}
	if exists(t, entryPath(dir, "b", []byte("by scan"))) {
		t.Errorf("Scan left the expired file in place")
	}
}

func TestSweep(t *testing.T) {
	s, dir := openTest(t, nil)
	ctx := t.Context()
	past, future := time.Now().Add(-time.Second), time.Now().Add(time.Hour)
	for i := range 5 {
		for _, b := range []string{"x", "y"} {
			mustPut(t, s, store.Record{Bucket: b, Key: fmt.Appendf(nil, "expired%d", i), ExpireAt: past})
			mustPut(t, s, store.Record{Bucket: b, Key: fmt.Appendf(nil, "live%d", i), ExpireAt: future})
			mustPut(t, s, store.Record{Bucket: b, Key: fmt.Appendf(nil, "forever%d", i)})
		}
	}
	// An expired record whose value is damaged is reported, not removed:
	// its header cannot be trusted to say it expired.
	mustPut(t, s, store.Record{Bucket: "x", Key: []byte("damaged"), Value: []byte("value"), ExpireAt: past})
	damaged := entryPath(dir, "x", []byte("damaged"))
	b := readFile(t, damaged)
	b[len(b)-6] ^= 1
	writeFile(t, damaged, b)

	// So is a directory where a file should be; neither stops the sweep.
	if err := os.Mkdir(entryPath(dir, "x", []byte("a directory")), 0o700); err != nil {
		t.Fatal(err)
	}

	n, err := s.Sweep(ctx)
	if n != 10 || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Sweep = %d, %v; want 10 removed and an error matching ErrCorrupt", n, err)
	}
	if !exists(t, damaged) {
		t.Errorf("Sweep removed a damaged file")
	}
	for i := range 5 {
		for _, b := range []string{"x", "y"} {
			if exists(t, entryPath(dir, b, fmt.Appendf(nil, "expired%d", i))) {
				t.Errorf("Sweep left expired%d in bucket %s", i, b)
			}
			wantValue(t, s, b, fmt.Appendf(nil, "live%d", i), "")
			wantValue(t, s, b, fmt.Appendf(nil, "forever%d", i), "")
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Sweep after Close = %v, want ErrClosed", err)
	}
}

// TestExpiredRemovalSparesReplacement checks the race between removing an
// expired file and a Put that replaces it: the new file must survive.
func TestExpiredRemovalSparesReplacement(t *testing.T) {
	s, dir := openTest(t, nil)
	k := []byte("k")
	mustPut(t, s, store.Record{Bucket: "b", Key: k, Value: []byte("old"), ExpireAt: time.Now().Add(-time.Second)})
	path := bucketDirName("b") + sep + entryName(k)
	f, err := s.root.Open(path) // what a sweep has open after judging it expired
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mustPut(t, s, store.Record{Bucket: "b", Key: k, Value: []byte("new")})
	if s.removeIfSame(path, f) {
		t.Errorf("the expired file's removal removed the file that replaced it")
	}
	if !exists(t, entryPath(dir, "b", k)) {
		t.Fatalf("the replacing file is gone")
	}
	wantValue(t, s, "b", k, "new")
}

func TestPeriodicSweep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		errs := make(chan error, 10)
		s, err := Open(dir, &Options{SweepInterval: time.Minute, OnSweepError: func(err error) { errs <- err }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !s.NativeTTL() {
			t.Errorf("NativeTTL = false with a sweep interval, want true")
		}
		mustPut(t, s, store.Record{Bucket: "b", Key: []byte("short"), ExpireAt: time.Now().Add(30 * time.Second)})
		mustPut(t, s, store.Record{Bucket: "b", Key: []byte("long"), ExpireAt: time.Now().Add(90 * time.Second)})
		mustPut(t, s, store.Record{Bucket: "b", Key: []byte("damaged"), Value: []byte("value"), ExpireAt: time.Now().Add(30 * time.Second)})
		damaged := entryPath(dir, "b", []byte("damaged"))
		b := readFile(t, damaged)
		b[len(b)-6] ^= 1
		writeFile(t, damaged, b)
		short, long := entryPath(dir, "b", []byte("short")), entryPath(dir, "b", []byte("long"))

		time.Sleep(45 * time.Second) // expired, but no sweep has run yet
		synctest.Wait()
		if !exists(t, short) {
			t.Fatalf("a file was removed before the first sweep")
		}
		time.Sleep(20 * time.Second) // the sweep at one minute has run
		synctest.Wait()
		if exists(t, short) {
			t.Errorf("the sweep at one minute left an expired file")
		}
		if !exists(t, long) {
			t.Errorf("the sweep at one minute removed a file that expires at 90 s")
		}
		select {
		case err := <-errs:
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("OnSweepError got %v, want an error matching ErrCorrupt", err)
			}
		default:
			t.Errorf("OnSweepError was not told about the damaged file")
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if exists(t, long) {
			t.Errorf("the sweep at two minutes left an expired file")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// Close stopped the sweep goroutine: synctest fails the test if a
		// goroutine of the bubble is still blocked when it ends.
	})
}
