//go:build race

package writeback

// modelSeeds is how many random runs TestQueueModel makes: fewer under the
// race detector, which slows them about twentyfold.
const modelSeeds = 8
