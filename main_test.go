package livedict_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every store a test makes must be closed: goleak fails the package if a
// reaper goroutine outlives the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
