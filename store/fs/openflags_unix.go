//go:build unix

package fs

import "syscall"

// nonblock makes the open of a FIFO or a device return at once instead of
// waiting for a writer; what was opened is then checked to be a regular
// file (or a directory) before a byte is read. It changes nothing for a
// regular file or a directory.
const nonblock = syscall.O_NONBLOCK

// dirOnly makes an open fail, without opening anything, for a name that is
// not a directory.
const dirOnly = syscall.O_DIRECTORY
