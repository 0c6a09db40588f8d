package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultDirIsTheUsers checks the doc's promise: the quick start keeps
// its data under the user's own cache directory, not a shared temp path.
func TestDefaultDirIsTheUsers(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache) // what os.UserCacheDir reads on Linux
	if got, want := defaultDir(), filepath.Join(cache, "livedict-quickstart"); got != want {
		t.Fatalf("defaultDir() = %s, want %s", got, want)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	dir := defaultDir() // no cache directory: a fresh private one
	defer os.RemoveAll(dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("fallback directory %s has mode %v, want 0700", dir, fi.Mode().Perm())
	}
}
