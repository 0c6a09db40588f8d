//go:build unix

package fs

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/livedict/livedict/store"
)

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A FIFO under an entry's name is never opened for reading, so Get, Scan,
// Sweep and Close return instead of waiting for a writer that never comes.
// Before the fix Get blocked here forever (the test's -timeout fired).
func TestPlantedFIFO(t *testing.T) {
	plantTest(t, true, mkfifo)
}

// A FIFO under the lock file's name is replaced, not opened.
func TestPlantedLockFIFO(t *testing.T) {
	dir := t.TempDir()
	mkfifo(t, filepath.Join(dir, lockName))
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("Open with a FIFO as lock file = %v", err)
	}
	defer s.Close()
	if fi, err := os.Lstat(filepath.Join(dir, lockName)); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("lock file after Open: %v, %v, want a regular file", fi, err)
	}
}

// A FIFO where a bucket directory belongs is not opened either.
func TestPlantedBucketFIFO(t *testing.T) {
	s, dir := openTest(t, nil)
	mkfifo(t, filepath.Join(dir, bucketDirName("bad")))
	keys, errs := scanAll(t, s, "bad")
	if len(keys) != 0 || len(errs) != 1 {
		t.Errorf("Scan(bad) = %q, %v, want one error", keys, errs)
	}
	if _, err := s.Sweep(t.Context()); err == nil {
		t.Error("Sweep did not report the FIFO")
	}
	// Writes to that bucket fail instead of blocking on the FIFO.
	if err := s.Delete(t.Context(), "bad", []byte("k")); err == nil {
		t.Error("Delete in the FIFO bucket succeeded")
	}
	if err := s.Put(t.Context(), store.Record{Bucket: "bad", Key: []byte("k")}); err == nil {
		t.Error("Put in the FIFO bucket succeeded")
	}
	mustPut(t, s, store.Record{Bucket: "good", Key: []byte("k")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("reopen with a FIFO bucket = %v", err)
	}
	_ = s2.Close()
}
