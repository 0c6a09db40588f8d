//go:build unix

package badger_test

import (
	"os"
	"syscall"
	"testing"
)

// A FIFO in place of a table is refused without being opened, which would
// block.
func TestOpenFIFOTable(t *testing.T) {
	openDamaged(t, []damage{{"FIFO", func(t *testing.T, path string) {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
	}}})
}
