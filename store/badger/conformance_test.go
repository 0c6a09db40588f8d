package badger_test

import (
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
	"github.com/livedict/livedict/store/storetest"
)

// harness opens a Store over one directory, again after each Close.
type harness struct {
	dir  string
	opts *badger.Options
}

func (h *harness) Open(t *testing.T) store.Stage {
	t.Helper()
	s, err := badger.Open(h.dir, h.opts)
	if err != nil {
		t.Fatalf("badger.Open(%q) = %v", h.dir, err)
	}
	return s
}

// TestConformance runs the whole store contract against the defaults, and
// again with the smallest memtables and value log files and without sync,
// where PutBatch must split batches and the 1 MiB value fills most of a
// value log file.
func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		opts *badger.Options
	}{
		{"Defaults", nil},
		{"SmallNoSync", &badger.Options{NoSync: true, MemTableSize: 1 << 20, ValueLogFileSize: 2 << 20}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Harness {
				return &harness{dir: t.TempDir(), opts: c.opts}
			})
		})
	}
}
