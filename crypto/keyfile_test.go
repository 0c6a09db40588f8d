package crypto

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// KeyFromFile reads at most MaxKeyFileSize bytes and only regular files:
// what is larger, or not a regular file, is refused with ErrBadKey without
// being read whole (a 64 GiB sparse file costs no memory).
func TestKeyFromFileBounds(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(200 - i)
	}
	want, _ := NewKey(raw)
	text := hex.EncodeToString(raw)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	padded := func(n int) []byte { // text padded with spaces to n bytes
		return []byte(text + strings.Repeat(" ", n-len(text)))
	}
	sparse := filepath.Join(dir, "sparse")
	if f, err := os.Create(sparse); err != nil {
		t.Fatal(err)
	} else {
		if err := f.Truncate(64 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(write("target", []byte(text)), link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		ok         bool
	}{
		{"exactly MaxKeyFileSize", write("max", padded(MaxKeyFileSize)), true},
		{"symlink to a key file", link, true},
		{"one byte past MaxKeyFileSize", write("over", padded(MaxKeyFileSize+1)), false},
		{"64 GiB sparse file", sparse, false},
		{"directory", dir, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := KeyFromFile(tc.path)
			if tc.ok {
				if err != nil || !k.equal(want) {
					t.Fatalf("KeyFromFile = %v, want the key", err)
				}
				return
			}
			if !errors.Is(err, ErrBadKey) || !strings.HasPrefix(err.Error(), "crypto: ") {
				t.Fatalf("KeyFromFile = %v, want an error matching ErrBadKey", err)
			}
			if leaksKey(err.Error(), want) {
				t.Fatalf("error %q leaks key material", err)
			}
		})
	}
}
