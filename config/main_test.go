package config_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Stores opened by the tests start goroutines; every one must be closed.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
