package fs

import (
	"errors"
	"os"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestCorruptFileIsReported damages a stored file in the ways a crash, a bad
// disk or a stray hand can, and checks that Get and Scan report ErrCorrupt
// instead of returning wrong data, and that other records stay readable.
func TestCorruptFileIsReported(t *testing.T) {
	damage := map[string]func(t *testing.T, dir, path string){
		"flipped bit": func(t *testing.T, _, path string) {
			b := readFile(t, path)
			b[len(b)/2] ^= 1
			writeFile(t, path, b)
		},
		"truncated": func(t *testing.T, _, path string) {
			b := readFile(t, path)
			writeFile(t, path, b[:len(b)-3])
		},
		"empty": func(t *testing.T, _, path string) { writeFile(t, path, nil) },
		"foreign": func(t *testing.T, _, path string) {
			writeFile(t, path, []byte("not a livedict file at all, but long enough for a header"))
		},
		"another key's file": func(t *testing.T, dir, path string) {
			writeFile(t, path, readFile(t, entryPath(dir, "b", []byte("other"))))
		},
		"another bucket's file": func(t *testing.T, dir, path string) {
			writeFile(t, path, readFile(t, entryPath(dir, "c", []byte("k"))))
		},
		"a directory": func(t *testing.T, _, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			s, dir := openTest(t, nil)
			ctx := t.Context()
			mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("the right value")})
			mustPut(t, s, store.Record{Bucket: "b", Key: []byte("other"), Value: []byte("other value")})
			mustPut(t, s, store.Record{Bucket: "c", Key: []byte("k"), Value: []byte("bucket c")})
			spoil(t, dir, entryPath(dir, "b", []byte("k")))

			r, err := s.Get(ctx, "b", []byte("k"))
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Get of a damaged file = %q, %v, want an error matching ErrCorrupt", r.Value, err)
			}
			var scanErr error
			for r, err := range s.Scan(ctx, "b") {
				if err != nil {
					scanErr = err
					break
				}
				if string(r.Key) != "other" || string(r.Value) != "other value" {
					t.Errorf("Scan yielded {%q %q}", r.Key, r.Value)
				}
			}
			if !errors.Is(scanErr, ErrCorrupt) {
				t.Errorf("Scan over a damaged file ended with %v, want an error matching ErrCorrupt", scanErr)
			}
			wantValue(t, s, "b", []byte("other"), "other value")
			wantValue(t, s, "c", []byte("k"), "bucket c")
			// A Put repairs the record, unless something that is not a file
			// stands in the way; then it fails cleanly.
			err = s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("repaired")})
			if name == "a directory" {
				if err == nil {
					t.Errorf("Put over a directory succeeded")
				}
				if tmp := tempFiles(t, dir); len(tmp) != 0 {
					t.Errorf("temporary files left behind: %v", tmp)
				}
				return
			}
			if err != nil {
				t.Fatalf("Put over a damaged file = %v", err)
			}
			wantValue(t, s, "b", []byte("k"), "repaired")
		})
	}
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
