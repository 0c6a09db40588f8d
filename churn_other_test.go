//go:build !linux

package livedict_test

// involuntarySwitches cannot tell on this platform: no Set is left out.
func involuntarySwitches() int64 { return -1 }
