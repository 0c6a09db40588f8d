package fs

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livedict/livedict/store"
)

// scanAll ranges over a Scan to its end and returns the keys it yielded and
// the errors, checking that each error matches ErrCorrupt and
// store.ErrCorrupt and comes with a Record that holds no data.
func scanAll(t *testing.T, s *Store, bucket string) (keys []string, errs []error) {
	t.Helper()
	for r, err := range s.Scan(t.Context(), bucket) {
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("Scan(%q) error %v, want one matching fs.ErrCorrupt and store.ErrCorrupt", bucket, err)
			}
			if r.Key != nil || r.Value != nil {
				t.Errorf("Scan(%q) yielded data {%q %q} with its error", bucket, r.Key, r.Value)
			}
			errs = append(errs, err)
			continue
		}
		keys = append(keys, string(r.Key))
	}
	return keys, errs
}

// plantTest opens a store holding the good record b/good and the key
// b/bad, whose file the caller replaces with plant, then reopens it. It
// checks that Get of the planted entry fails with ErrCorrupt, that Scan
// reports it and still yields the good record, that Sweep reports it, and
// that Close returns. Sweep reads only the header of an unexpired file, so
// it reports only what is wrong there (sweepSees).
func plantTest(t *testing.T, sweepSees bool, plant func(t *testing.T, path string)) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("good"), Value: []byte("v")})
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("bad"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := entryPath(dir, "b", []byte("bad"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	plant(t, path)

	s, err = Open(dir, nil)
	if err != nil {
		t.Fatalf("Open with a planted entry = %v, want the store to open", err)
	}
	if _, err := s.Get(t.Context(), "b", []byte("bad")); !errors.Is(err, ErrCorrupt) || !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Get of the planted entry = %v, want an error matching ErrCorrupt", err)
	} else if !strings.Contains(err.Error(), entryName([]byte("bad"))) {
		t.Errorf("Get error %q does not name the file", err)
	}
	wantValue(t, s, "b", []byte("good"), "v")
	keys, errs := scanAll(t, s, "b")
	if len(keys) != 1 || keys[0] != "good" || len(errs) != 1 {
		t.Errorf("Scan yielded keys %q and errors %v, want the good record and one error", keys, errs)
	}
	if _, err := s.Sweep(t.Context()); sweepSees && !errors.Is(err, ErrCorrupt) || !sweepSees && err != nil {
		t.Errorf("Sweep = %v, want the planted entry reported as ErrCorrupt: %v", err, sweepSees)
	}
	mustPut(t, s, store.Record{Bucket: "other", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestPlantedEntryFiles(t *testing.T) {
	t.Run("huge sparse file", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(64 << 30); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("one byte past MaxRecordSize", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) {
			writeFile(t, path, make([]byte, DefaultMaxRecordSize+1))
		})
	})
	t.Run("directory", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("garbage", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) {
			writeFile(t, path, []byte("LDfs\x01 not a record"))
		})
	})
	t.Run("empty file", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) { writeFile(t, path, nil) })
	})
	t.Run("symlink to another entry", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) {
			if err := os.Symlink(entryName([]byte("good")), path); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("symlink out of the directory", func(t *testing.T) {
		plantTest(t, true, func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			writeFile(t, target, encodeFile(store.Record{Bucket: "b", Key: []byte("bad"), Value: []byte("outside")}))
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// A record whose file would pass MaxRecordSize is refused by Put, so the
// store never writes what it would refuse to read.
func TestMaxRecordSize(t *testing.T) {
	s, _ := openTest(t, &Options{MaxRecordSize: 100})
	ctx := t.Context()
	small := store.Record{Bucket: "b", Key: []byte("k"), Value: make([]byte, 100-headerSize-trailerSize-2)}
	if err := s.Put(ctx, small); err != nil {
		t.Fatalf("Put of a record of exactly MaxRecordSize = %v", err)
	}
	big := store.Record{Bucket: "b", Key: []byte("k"), Value: make([]byte, 100)}
	if err := s.Put(ctx, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Put of a record past MaxRecordSize = %v, want ErrTooLarge", err)
	}
	if err := s.PutBatch(ctx, []store.Record{small, big}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("PutBatch with a record past MaxRecordSize = %v, want ErrTooLarge", err)
	}
	if r, err := s.Get(ctx, "b", []byte("k")); err != nil || len(r.Value) != len(small.Value) {
		t.Errorf("Get after refused writes = %d bytes, %v, want the small record", len(r.Value), err)
	}
	for _, n := range []int64{-1, headerSize + trailerSize - 1} {
		if _, err := Open(t.TempDir(), &Options{MaxRecordSize: n}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Open with MaxRecordSize %d = %v, want ErrInvalidOptions", n, err)
		}
	}
}

// A file where a bucket directory belongs stops neither Open nor the other
// buckets; Scan of that bucket and Sweep report it by its storage name.
func TestPlantedBucketFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Record{Bucket: "ok", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bad := bucketDirName("bad")
	writeFile(t, filepath.Join(dir, bad), nil)

	s, err = Open(dir, nil)
	if err != nil {
		t.Fatalf("Open with a file where a bucket directory belongs = %v", err)
	}
	defer s.Close()
	wantValue(t, s, "ok", []byte("k"), "v")
	if keys, errs := scanAll(t, s, "ok"); len(keys) != 1 || len(errs) != 0 {
		t.Errorf("Scan(ok) = %q, %v", keys, errs)
	}
	keys, errs := scanAll(t, s, "bad")
	if len(keys) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), bad) {
		t.Errorf("Scan(bad) = %q, %v, want one error naming %s", keys, errs, bad)
	}
	if _, err := s.Get(t.Context(), "bad", []byte("k")); err == nil {
		t.Error("Get from the planted bucket succeeded")
	}
	if err := s.Put(t.Context(), store.Record{Bucket: "bad", Key: []byte("k")}); err == nil {
		t.Error("Put into the planted bucket succeeded")
	}
	if _, err := s.Sweep(t.Context()); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad) {
		t.Errorf("Sweep = %v, want an ErrCorrupt naming %s", err, bad)
	}
	mustPut(t, s, store.Record{Bucket: "ok", Key: []byte("k2"), Value: []byte("v")})
}

// A symbolic link where a bucket directory belongs, even to a real
// directory of entries elsewhere, is never followed: Open works, the other
// buckets too, and Scan of that bucket and Sweep report it.
func TestPlantedBucketSymlink(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	s, err := Open(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Record{Bucket: "bad", Key: []byte("k"), Value: []byte("outside")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Record{Bucket: "ok", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bad := bucketDirName("bad")
	if err := os.Symlink(filepath.Join(other, bad), filepath.Join(dir, bad)); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, nil)
	if err != nil {
		t.Fatalf("Open with a symlinked bucket directory = %v", err)
	}
	defer s.Close()
	if keys, errs := scanAll(t, s, "bad"); len(keys) != 0 || len(errs) != 1 {
		t.Errorf("Scan(bad) = %q, %v, want one error and nothing from outside", keys, errs)
	}
	if _, err := s.Sweep(t.Context()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Sweep = %v, want the symlink reported", err)
	}
	wantValue(t, s, "ok", []byte("k"), "v")
}

// A symbolic link planted as the lock file is never followed: its target
// is not created, opened or locked, and the store opens with a lock file
// of its own.
func TestPlantedLockSymlink(t *testing.T) {
	for _, name := range []string{"outside", "inside"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(t.TempDir(), "target")
			if name == "inside" {
				target = filepath.Join(dir, "target")
			}
			writeFile(t, target, []byte("not a lock"))
			if err := os.Symlink(target, filepath.Join(dir, lockName)); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir, nil)
			if err != nil {
				t.Fatalf("Open with a symlinked lock file = %v", err)
			}
			defer s.Close()
			fi, err := os.Lstat(filepath.Join(dir, lockName))
			if err != nil || !fi.Mode().IsRegular() {
				t.Errorf("lock file after Open: %v, %v, want a regular file", fi, err)
			}
			if b, err := os.ReadFile(target); err != nil || string(b) != "not a lock" {
				t.Errorf("link target after Open = %q, %v, want it untouched", b, err)
			}
			if _, err := Open(dir, nil); !errors.Is(err, ErrLocked) {
				t.Errorf("second Open = %v, want ErrLocked", err)
			}
		})
	}
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, lockName), 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir, nil); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), lockName) {
			t.Errorf("Open with a directory as lock file = %v, want an ErrCorrupt naming it", err)
		}
	})
}

// FuzzEntryFile plants arbitrary bytes as an entry file and reads them back
// through Get and Scan, which must return the record it encodes or an error
// matching ErrCorrupt, never panic; files past MaxRecordSize are refused
// unread.
func FuzzEntryFile(f *testing.F) {
	f.Add(encodeFile(store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}))
	f.Add([]byte("LDfs\x01"))
	f.Add(make([]byte, 300))
	dir := f.TempDir()
	s, err := Open(dir, &Options{MaxRecordSize: 256, NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	if err := s.Put(f.Context(), store.Record{Bucket: "b", Key: []byte("other"), Value: []byte("v")}); err != nil {
		f.Fatal(err)
	}
	path := entryPath(dir, "b", []byte("k"))
	f.Fuzz(func(t *testing.T, b []byte) {
		writeFile(t, path, b)
		r, err := s.Get(t.Context(), "b", []byte("k"))
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get = %v, want a record, ErrNotFound or ErrCorrupt", err)
		}
		if err == nil && len(b) > 256 {
			t.Fatalf("Get returned %d bytes from a file past MaxRecordSize", len(r.Value))
		}
		keys, _ := scanAll(t, s, "b")
		if !slices.Contains(keys, "other") {
			t.Fatalf("Scan lost the other record: %q", keys)
		}
	})
}
