//go:build unix

package crypto

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyDir returns a fresh directory only its owner can write.
func keyDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWriteKeyFileRoundTrip(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(keyDir(t), "store.key")
	if err := WriteKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	got, err := KeyFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.equal(k) {
		t.Fatal("the key read back differs from the key written")
	}
	// The saved key opens what the generated key sealed.
	r1, _ := NewKeyring(AES256GCM, 1, k)
	r2, _ := NewKeyring(AES256GCM, 1, got)
	bind := Binding{Store: "s", Bucket: "b", Key: []byte("k")}
	blob, err := r1.Seal(nil, []byte("secret"), bind, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if pt, _, _, err := r2.Open(nil, blob, bind); err != nil || string(pt) != "secret" {
		t.Fatalf("Open with the reloaded key = %q, %v", pt, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 2*KeySize+1 || data[2*KeySize] != '\n' {
		t.Fatalf("file holds %d bytes, want 64 hex digits and a newline", len(data))
	}
}

func TestWriteKeyFileMode(t *testing.T) {
	old := umask(0)
	defer umask(old)
	path := filepath.Join(keyDir(t), "k")
	if err := WriteKeyFile(path, fixedKey(t, 1)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o600 {
		t.Fatalf("mode = %v, want -rw------- even with umask 0", fi.Mode())
	}
}

func TestWriteKeyFileNeverOverwrites(t *testing.T) {
	dir := keyDir(t)
	existing := filepath.Join(dir, "existing")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("target"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	k := fixedKey(t, 2)
	for _, p := range []string{existing, link, dangling, dir + "/sub"} {
		if p == dir+"/sub" {
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		err := WriteKeyFile(p, k)
		if !errors.Is(err, fs.ErrExist) {
			t.Errorf("WriteKeyFile(%s) = %v, want fs.ErrExist", filepath.Base(p), err)
		}
		if err != nil && leaksKey(err.Error(), k) {
			t.Errorf("error leaks the key: %v", err)
		}
	}
	for p, want := range map[string]string{existing: "keep me", target: "target"} {
		if b, _ := os.ReadFile(p); string(b) != want {
			t.Errorf("%s was changed to %q", filepath.Base(p), b)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dangling link's target was created: %v", err)
	}
}

func TestWriteKeyFileUnsafeDirectory(t *testing.T) {
	k := fixedKey(t, 3)
	shared := keyDir(t)
	for _, mode := range []fs.FileMode{0o770, 0o707, 0o777, 0o1777} {
		if err := os.Chmod(shared, mode); err != nil {
			t.Fatal(err)
		}
		err := WriteKeyFile(filepath.Join(shared, "k"), k)
		if !errors.Is(err, ErrUnsafeKeyPath) {
			t.Errorf("directory mode %v: err = %v, want ErrUnsafeKeyPath", mode, err)
		}
	}
	os.Chmod(shared, 0o700)
	if _, err := os.Lstat(filepath.Join(shared, "k")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused key file was created: %v", err)
	}

	real := keyDir(t)
	linked := filepath.Join(keyDir(t), "linked")
	if err := os.Symlink(real, linked); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFile(filepath.Join(linked, "k"), k); !errors.Is(err, ErrUnsafeKeyPath) {
		t.Errorf("directory through a symlink: err = %v, want ErrUnsafeKeyPath", err)
	}

	file := filepath.Join(keyDir(t), "file")
	os.WriteFile(file, nil, 0o600)
	if err := WriteKeyFile(filepath.Join(file, "k"), k); err == nil {
		t.Error("a path under a regular file was accepted")
	}
	if err := WriteKeyFile(filepath.Join(keyDir(t), "missing", "k"), k); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: err = %v, want fs.ErrNotExist", err)
	}
}

func TestWriteKeyFileZeroKey(t *testing.T) {
	path := filepath.Join(keyDir(t), "k")
	if err := WriteKeyFile(path, Key{}); !errors.Is(err, ErrBadKey) {
		t.Fatalf("err = %v, want ErrBadKey", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the zero key left a file: %v", err)
	}
}

func TestExposeSecret(t *testing.T) {
	k := fixedKey(t, 4)
	b := k.ExposeSecret()
	raw := k.raw()
	if !bytes.Equal(b, raw[:]) {
		t.Fatal("ExposeSecret does not return the key's bytes")
	}
	clear(b)
	if again := k.ExposeSecret(); !bytes.Equal(again, raw[:]) || bytes.Equal(again, b) {
		t.Fatal("ExposeSecret returned the Key's own array, not a copy")
	}
	back, err := NewKey(k.ExposeSecret())
	if err != nil || !back.equal(k) {
		t.Fatalf("NewKey(ExposeSecret()) does not round trip: %v", err)
	}
	if (Key{}).ExposeSecret() != nil {
		t.Fatal("the zero Key exposes bytes")
	}
}

// A Key still prints nothing with every verb, and encoders that look for
// methods find none that leaks: adding ExposeSecret must not change that.
func TestKeyRedactedEverywhere(t *testing.T) {
	k := fixedKey(t, 5)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%b", "%c", "%U", "%e", "%t", "%p", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, &k), fmt.Sprintf(verb, []Key{k}))
	}
	j, err := json.Marshal(struct{ K Key }{k})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	for _, s := range outs {
		if leaksKey(s, k) {
			t.Fatalf("output leaks the key: %q", s)
		}
		if strings.Contains(s, "ExposeSecret") {
			t.Fatalf("output names the export: %q", s)
		}
	}
}

// The zero Key has no array behind it; functions given one must not panic.
func TestZeroKeyDoesNotPanic(t *testing.T) {
	var z Key
	_ = NewNamer(z).Name("b", []byte("k"))
	if z.equal(fixedKey(t, 1)) || !z.equal(Key{}) {
		t.Fatal("equal of the zero Key is wrong")
	}
	if _, err := NewKeyring(AES256GCM, 1, z); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewKeyring(zero Key) = %v, want ErrBadKey", err)
	}
	_ = fmt.Sprintf("%v %p %x", z, z, z)
}

// Keys stay comparable with ==, by their bytes, as callers rely on.
func TestKeyComparable(t *testing.T) {
	a, b, c := fixedKey(t, 9), fixedKey(t, 9), fixedKey(t, 10)
	if a != b || a == c || a == (Key{}) {
		t.Fatal("== no longer compares keys by their bytes")
	}
	path := filepath.Join(keyDir(t), "k")
	if err := WriteKeyFile(path, a); err != nil {
		t.Fatal(err)
	}
	if back, err := KeyFromFile(path); err != nil || back != a {
		t.Fatalf("key read back is not == the key written (%v)", err)
	}
}

// What is derived from a Key depends on its bytes only, never on how the
// Key holds them in memory (a mask drawn per process): a key saved by one
// process and loaded by another must name, seal and MAC the same way.
func TestDerivationsUseTheKeyBytes(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	k, _ := NewKey(raw)
	hk, err := hkdf.Key(sha256.New, raw, []byte("salt"), "test info", sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	want := hmac.New(sha256.New, hk)
	want.Write([]byte("msg"))
	got, err := NewHMAC(k, []byte("salt"), "test info")
	if err != nil {
		t.Fatal(err)
	}
	got.Write([]byte("msg"))
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatal("NewHMAC does not derive from the key's bytes")
	}
	// Sealing with the raw bytes through the standard library opens.
	r, _ := NewKeyring(AES256GCM, 1, k)
	other, _ := NewKey(k.ExposeSecret())
	r2, _ := NewKeyring(AES256GCM, 1, other)
	bind := Binding{Store: "s", Bucket: "b", Key: []byte("k")}
	blob, _ := r.Seal(nil, []byte("x"), bind, time.Time{})
	if _, _, _, err := r2.Open(nil, blob, bind); err != nil {
		t.Fatal(err)
	}
}
