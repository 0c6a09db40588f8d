package fs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
)

// crash writes batches of 8, even ones with PutBatch and odd ones with a Put
// per record, and after each round checks that reopening removed the
// temporary files the kill left.
var crash = backendtest.Crash{
	Env:        "LIVEDICT_FS_CRASH",
	Name:       "store",
	Open:       func(dir string) (store.Stage, error) { return fs.Open(dir, nil) },
	Batch:      8,
	MaxAcks:    12,
	SinglePuts: true,
	AfterRound: noTempFiles,
}

// TestCrash kills a writing child with SIGKILL 20 times over one directory
// and checks every acknowledged record after each kill; see
// backendtest.Crash.
func TestCrash(t *testing.T) { crash.Parent(t) }

// TestCrashChild is the writer of TestCrash; it skips unless run by it.
func TestCrashChild(t *testing.T) { crash.Child(t) }

// noTempFiles fails if a temporary file ("t…") is left in dir after the
// checks reopened and closed the store.
func noTempFiles(t *testing.T, round int, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), "t") && !d.IsDir() {
			t.Errorf("round %d: %s survived reopening", round, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
