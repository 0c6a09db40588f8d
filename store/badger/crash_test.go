package badger_test

import (
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

// crash writes batches of 64 with PutBatch (default options, so every batch
// is synced). The checks reopen without value-log GC so that they read what
// the crash left.
var crash = backendtest.Crash{
	Env:  "LIVEDICT_BADGER_CRASH",
	Name: "db",
	Open: func(dir string) (store.Stage, error) { return badger.Open(dir, nil) },
	Reopen: func(dir string) (store.Stage, error) {
		return badger.Open(dir, &badger.Options{ValueLogGCInterval: -1})
	},
	Batch:   64,
	MaxAcks: 12,
}

// TestCrash kills a writing child with SIGKILL 20 times over one directory
// and checks every acknowledged record after each kill; see
// backendtest.Crash.
func TestCrash(t *testing.T) { crash.Parent(t) }

// TestCrashChild is the writer of TestCrash; it skips unless run by it.
func TestCrashChild(t *testing.T) { crash.Child(t) }
