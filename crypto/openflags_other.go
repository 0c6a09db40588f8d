//go:build !unix

package crypto

// nonblock is the unix flag of the same name; elsewhere opens do not block
// on FIFOs, and the regular-file checks remain.
const nonblock = 0
