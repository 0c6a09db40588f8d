package badger_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine, Badger's included,
// outlives them: Close must stop everything Open started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
