//go:build !unix

package fs

// nonblock and dirOnly are the unix open flags of the same names; where
// there are no FIFOs that block an open, none are needed, and the type
// checks after each open remain.
const (
	nonblock = 0
	dirOnly  = 0
)
