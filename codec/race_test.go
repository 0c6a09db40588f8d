//go:build race

package codec

// raceEnabled: under the race detector sync.Pool drops some of what it is
// given, so a pooled scratch value costs an allocation now and then.
const raceEnabled = true
