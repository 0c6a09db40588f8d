//go:build !unix

package fs

import "os"

// lockFile does nothing where flock is not available: there the caller must
// make sure that one Store at a time uses a directory.
func lockFile(*os.File) error { return nil }
