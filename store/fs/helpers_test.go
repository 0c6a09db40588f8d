package fs

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/livedict/livedict/store"
)

// openTest opens a Store on a new directory, closed when the test ends.
func openTest(t *testing.T, opts *Options) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

// tempFiles returns the temporary files under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if isTempName(d.Name()) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// entryPath returns the path of the file of bucket and key under dir.
func entryPath(dir, bucket string, key []byte) string {
	return filepath.Join(dir, bucketDirName(bucket), entryName(key))
}

func mustPut(t *testing.T, s store.Stage, r store.Record) {
	t.Helper()
	if err := s.Put(t.Context(), r); err != nil {
		t.Fatalf("Put(%q, %q) = %v", r.Bucket, r.Key, err)
	}
}

func wantValue(t *testing.T, s store.Stage, bucket string, key []byte, want string) {
	t.Helper()
	r, err := s.Get(t.Context(), bucket, key)
	if err != nil || string(r.Value) != want {
		t.Fatalf("Get(%q, %q) = %q, %v, want %q", bucket, key, r.Value, err, want)
	}
}
