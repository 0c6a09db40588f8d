package redis_test

import (
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store/storetest"
)

// testPersisted checks Warm, Rotate and DropBucket of a Store over Redis
// with damaged records planted; see backendtest.Persisted.
func testPersisted(t *testing.T, b backend) {
	backendtest.Persisted(t, func(t *testing.T) storetest.Harness {
		return &harness{b: b, prefix: b.prefix(t)}
	})
}
