//go:build unix

package crypto

import "syscall"

func umask(m int) int { return syscall.Umask(m) }
