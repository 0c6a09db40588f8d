//go:build unix

package crypto

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A FIFO or a device is refused at once: before the fix KeyFromFile read
// /dev/zero until memory ran out and blocked forever on a FIFO.
func TestKeyFromFileNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{fifo}
	for _, dev := range []string{"/dev/zero", "/dev/urandom", "/dev/null"} {
		if _, err := os.Stat(dev); err == nil {
			paths = append(paths, dev)
		}
	}
	for _, p := range paths {
		if _, err := KeyFromFile(p); !errors.Is(err, ErrBadKey) {
			t.Errorf("KeyFromFile(%s) = %v, want ErrBadKey", p, err)
		}
	}
}
