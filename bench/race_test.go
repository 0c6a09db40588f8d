//go:build race

package bench

// raceEnabled is true when the tests run under the race detector, which
// makes the caches' code ten to fifty times slower; the hit-ratio smoke run
// shortens its traces then.
const raceEnabled = true
