package postgres

import (
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store/storetest"
)

// TestPersisted checks Warm, Rotate and DropBucket of a Store over
// PostgreSQL with damaged records planted; see backendtest.Persisted.
func TestPersisted(t *testing.T) {
	backendtest.Persisted(t, func(t *testing.T) storetest.Harness {
		return &harness{dsn: testDSN(), opts: Options{Schema: newSchema(t)}}
	})
}
