package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
)

// harness reopens a Store over the same file.
type harness struct {
	path string
	opts *Options
}

func (h *harness) Open(t *testing.T) store.Stage {
	s, err := Open(h.path, h.opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *Options
	}{
		{"Defaults", nil},
		// One reader, full sync and a sweeper too slow to run: the
		// corners of the options that change code paths.
		{"FullOneReader", &Options{Synchronous: SynchronousFull, Readers: 1, SweepInterval: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Harness {
				return &harness{path: filepath.Join(t.TempDir(), "live.db"), opts: tc.opts}
			})
		})
	}
}
