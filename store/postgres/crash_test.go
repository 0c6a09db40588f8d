package postgres

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
)

// crashTest is the SIGKILL crash test over a schema of its own. The
// harness hands Open a path under the test's temporary directory whose
// last element is Name, so the child, which gets only that path, learns
// the schema from it. Batches are 32 records, even ones in one PutBatch
// and odd ones a Put per record; the checks reopen without the sweeper.
func crashTest(schema string) backendtest.Crash {
	open := func(path string, sweep bool) (store.Stage, error) {
		o := &Options{Schema: filepath.Base(path)}
		if !sweep {
			o.SweepInterval = -1
		}
		s, err := Open(context.Background(), testDSN(), o)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return backendtest.Crash{
		Env:        "LIVEDICT_POSTGRES_CRASH",
		Name:       schema,
		Open:       func(path string) (store.Stage, error) { return open(path, true) },
		Reopen:     func(path string) (store.Stage, error) { return open(path, false) },
		Batch:      32,
		MaxAcks:    8,
		SinglePuts: true,
	}
}

// TestCrash kills a writing child process with SIGKILL 20 times, in the
// middle of a batch, and checks every acknowledged record after each
// kill, then 8 more times while it writes through a write-behind Store;
// see backendtest.Crash. The server rolls back the killed child's open
// transaction when its connection drops.
func TestCrash(t *testing.T) { crashTest(newSchema(t)).Parent(t) }

// TestCrashChild is the writer of TestCrash; it skips unless run by it.
func TestCrashChild(t *testing.T) { crashTest("").Child(t) }
