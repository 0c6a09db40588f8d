package sqlite

import (
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
)

// crash writes batches of 32, even ones with PutBatch and odd ones with a
// Put per record. The checks reopen without the sweeper.
var crash = backendtest.Crash{
	Env:        "LIVEDICT_SQLITE_CRASH",
	Name:       "live.db",
	Open:       func(path string) (store.Stage, error) { return Open(path, nil) },
	Reopen:     func(path string) (store.Stage, error) { return Open(path, &Options{SweepInterval: -1}) },
	Batch:      32,
	MaxAcks:    8,
	SinglePuts: true,
}

// TestCrash kills a writing child with SIGKILL 20 times over one file and
// checks every acknowledged record after each kill; see backendtest.Crash.
func TestCrash(t *testing.T) { crash.Parent(t) }

// TestCrashChild is the writer of TestCrash; it skips unless run by it.
func TestCrashChild(t *testing.T) { crash.Child(t) }
