package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/crypto"
)

// generateKeyFile writes a new random 32-byte key to path as 64 hex
// digits, with mode 0600, and makes it durable. It never replaces a file.
// The key is never printed.
func generateKeyFile(path string) (err error) {
	var raw [crypto.KeySize]byte
	defer clear(raw[:])
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	text := make([]byte, hex.EncodedLen(len(raw))+1)
	defer clear(text)
	hex.Encode(text, raw[:])
	text[len(text)-1] = '\n'
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("key file %s already exists; it is never overwritten", path)
		}
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := f.Write(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// readKey reads the key a configured source names. Its errors never hold
// key material.
func readKey(s config.KeySource) (crypto.Key, error) {
	switch {
	case s.Env != "":
		return crypto.KeyFromEnv(s.Env)
	case s.File != "":
		return crypto.KeyFromFile(s.File)
	case len(s.Value) == 2*crypto.KeySize:
		return crypto.KeyFromHex(string(s.Value))
	}
	return crypto.KeyFromBase64(string(s.Value))
}

// sameSource reports whether a key of the keyring is read from s.
func sameSource(k config.KeyRef, s config.KeySource) bool {
	switch {
	case s.Env != "":
		return k.Env == s.Env
	case s.File != "":
		return k.File != "" && samePath(k.File, s.File)
	}
	return false
}

// samePath compares two file names after making them absolute.
func samePath(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return x == y
}
