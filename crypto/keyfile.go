package crypto

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// ErrUnsafeKeyPath reports a key file path that WriteKeyFile refuses: its
// directory is a symbolic link, is not a directory, or can be written by
// users other than its owner.
var ErrUnsafeKeyPath = errors.New("crypto: unsafe key file path")

// WriteKeyFile saves k to a new file at path, as 64 hex digits and a
// newline, readable and writable by its owner only (mode 0600), so that
// a key made with [GenerateKey] can be kept and read back with
// [KeyFromFile].
//
// It never replaces anything: when path exists — a file, a directory or a
// symbolic link, even a dangling one — it fails with an error matching
// fs.ErrExist. It refuses, with an error matching [ErrUnsafeKeyPath], a
// path whose directory is a symbolic link, or is writable by its group or
// by others (where another user could swap the file after it is written).
// The file's data and its directory entry are synced to disk before it
// returns; on any failure after the file was created, the file is removed.
// The zero Key is refused with [ErrBadKey]. Errors name the path, never
// the key.
func WriteKeyFile(path string, k Key) (err error) {
	if !k.ok {
		return fmt.Errorf("%w: the zero Key cannot be saved", ErrBadKey)
	}
	clean := filepath.Clean(path)
	dir, name := filepath.Dir(clean), filepath.Base(clean)
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("crypto: write key file %s: %w: not a file name", path, ErrUnsafeKeyPath)
	}
	li, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	if err := safeKeyDir(li); err != nil {
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	defer root.Close()
	// The directory opened must be the one checked: a swap between Lstat
	// and OpenRoot is refused.
	if ri, err := root.Stat("."); err != nil || !os.SameFile(li, ri) {
		return fmt.Errorf("crypto: write key file %s: %w: the directory changed while it was checked", path, ErrUnsafeKeyPath)
	}
	// O_EXCL fails on any existing name, symbolic links included, and
	// os.Root refuses to leave the directory.
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = root.Remove(name)
		}
	}()
	var text [2*KeySize + 1]byte
	defer clear(text[:])
	raw := k.raw()
	defer clear(raw[:])
	hex.Encode(text[:], raw[:])
	text[2*KeySize] = '\n'
	if _, err := f.Write(text[:]); err != nil {
		f.Close()
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("crypto: write key file %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	return syncDir(root, path)
}

// safeKeyDir checks the Lstat of a key file's directory.
func safeKeyDir(fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: its directory is a symbolic link", ErrUnsafeKeyPath)
	case !fi.IsDir():
		return fmt.Errorf("%w: its directory is not a directory", ErrUnsafeKeyPath)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%w: its directory is writable by group or others (mode %v)", ErrUnsafeKeyPath, fi.Mode().Perm())
	}
	return nil
}

// syncDir makes the new directory entry durable. Windows cannot sync a
// directory, and does not need to.
func syncDir(root *os.Root, path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("crypto: write key file %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("crypto: write key file %s: sync directory: %w", path, err)
	}
	return nil
}
