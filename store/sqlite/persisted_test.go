package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store/storetest"
)

// TestPersisted checks Warm, Rotate and DropBucket of a Store over SQLite
// with damaged records planted; see backendtest.Persisted.
func TestPersisted(t *testing.T) {
	backendtest.Persisted(t, func(t *testing.T) storetest.Harness {
		return &harness{path: filepath.Join(t.TempDir(), "live.db")}
	})
}
