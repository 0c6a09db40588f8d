//go:build race

package expiry

// raceEnabled trims the long model runs, which the race detector slows
// tenfold without finding more: they are single-goroutine.
const raceEnabled = true
