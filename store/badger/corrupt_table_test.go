package badger_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

// tableFiles writes a few records to a new store in dir, closes it (Badger
// flushes its memtable into a table) and returns the .sst files.
func tableFiles(t *testing.T, dir string) []string {
	t.Helper()
	s, err := badger.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		mustPut(t, s, store.Record{Bucket: "b", Key: fmt.Appendf(nil, "k%03d", i), Value: []byte(strings.Repeat("v", 100))})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tables, err := filepath.Glob(filepath.Join(dir, "*.sst"))
	if err != nil || len(tables) == 0 {
		t.Fatalf("no table files after Close: %v, %v", tables, err)
	}
	return tables
}

// A damaged table file makes Open fail with an error matching ErrCorrupt
// (and store.ErrCorrupt) that names the file, instead of a panic on one of
// Badger's own goroutines, which no recover reaches. Before the fix the
// garbage case killed the test binary.
func TestOpenCorruptTable(t *testing.T) {
	openDamaged(t, []damage{
		{"garbage", func(t *testing.T, path string) {
			writeFile(t, path, []byte(strings.Repeat("garbage!", 512)))
		}},
		{"garbage footer", func(t *testing.T, path string) {
			b := readFile(t, path)
			copy(b[len(b)-16:], "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
			writeFile(t, path, b)
		}},
		{"flipped byte in a block", func(t *testing.T, path string) {
			b := readFile(t, path)
			b[100] ^= 0x55
			writeFile(t, path, b)
		}},
		{"truncated", func(t *testing.T, path string) {
			b := readFile(t, path)
			writeFile(t, path, b[:len(b)/2])
		}},
		{"empty", func(t *testing.T, path string) { writeFile(t, path, nil) }},
		{"four bytes", func(t *testing.T, path string) { writeFile(t, path, []byte{0, 0, 0, 9}) }},
	})
}

// damage is a way to damage a table file.
type damage struct {
	name   string
	damage func(t *testing.T, path string)
}

// openDamaged checks Open of a store whose first table got each damage.
func openDamaged(t *testing.T, cases []damage) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tables := tableFiles(t, dir)
			tc.damage(t, tables[0])
			s, err := badger.Open(dir, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open of a store with a damaged table succeeded")
			}
			if !errors.Is(err, badger.ErrCorrupt) || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Open = %v, want an error matching ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), filepath.Base(tables[0])) {
				t.Errorf("Open error %q does not name the table", err)
			}
		})
	}
}

// An intact store still opens, with every record, and a stray .sst file
// that the MANIFEST does not list does not stop it.
func TestOpenVerifiedTables(t *testing.T) {
	dir := t.TempDir()
	tableFiles(t, dir)
	writeFile(t, filepath.Join(dir, "999999.sst"), []byte("stray"))
	s := openT(t, dir, nil)
	wantValue(t, s, "b", "k042", strings.Repeat("v", 100))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
