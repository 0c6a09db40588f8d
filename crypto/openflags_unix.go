//go:build unix

package crypto

import "syscall"

// nonblock makes opening a FIFO or a device return at once instead of
// waiting for a writer; KeyFromFile then refuses what is not a regular file.
const nonblock = syscall.O_NONBLOCK
