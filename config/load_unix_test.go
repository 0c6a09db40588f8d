//go:build unix

package config_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/livedict/livedict/config"
)

// TestLoadFileNotRegular checks that LoadFile never opens what is not a
// regular file: opening a FIFO with no writer would block for good, and a
// device such as /dev/zero never ends.
func TestLoadFileNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dir.json")
	if err := syscall.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, dir} {
		_, err := config.LoadFile(p)
		if !errors.Is(err, config.ErrInvalidConfig) {
			t.Errorf("LoadFile(%s) = %v, want an error matching ErrInvalidConfig", p, err)
		}
		mustContain(t, err, "not a regular file")
	}
}
