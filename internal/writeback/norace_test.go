//go:build !race

package writeback

// modelSeeds is how many random runs TestQueueModel makes (300 ran clean
// when it was written, each in about 50 ms).
const modelSeeds = 40
