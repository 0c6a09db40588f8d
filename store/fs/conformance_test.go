package fs_test

import (
	"testing"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
	"github.com/livedict/livedict/store/storetest"
)

// harness reopens a Store over the same directory.
type harness struct {
	dir  string
	opts *fs.Options
}

func (h *harness) Open(t *testing.T) store.Stage {
	s, err := fs.Open(h.dir, h.opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance runs the whole store contract against the durable
// default, and again with a sweep goroutine running every 5 ms, so
// that sweeps race with every case under -race.
func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name string
		opts *fs.Options
	}{
		{"Default", nil},
		{"Sweeping", &fs.Options{SweepInterval: 5 * time.Millisecond}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Harness {
				return &harness{dir: t.TempDir(), opts: c.opts}
			})
		})
	}
}
