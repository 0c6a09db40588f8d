//go:build !unix

package redis_test

import "time"

// processCPU reports false: the CPU time of the process is not read here.
func processCPU() (time.Duration, bool) { return 0, false }
