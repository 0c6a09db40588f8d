//go:build !race

package expiry

const raceEnabled = false
