package sqlite_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/sqlite"
)

// Environment of TestStoreChild.
const (
	envStoreMode = "SQLITE_STORE_CHILD_MODE" // "write" or "read"
	envStorePath = "SQLITE_STORE_CHILD_PATH"
	envStoreKeys = "SQLITE_STORE_CHILD_KEYS" // seal key hex, name key hex
)

// openSharedStore opens an encrypted write-behind Store over the SQLite
// file at path, with keys given as two hex strings.
func openSharedStore(t *testing.T, path, keys string) *livedict.Store[string, string] {
	t.Helper()
	sealHex, nameHex, _ := strings.Cut(keys, ",")
	seal, err := crypto.KeyFromHex(sealHex)
	if err != nil {
		t.Fatal(err)
	}
	name, err := crypto.KeyFromHex(nameHex)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, seal)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := livedict.New(&livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
		Backend: db, Keyring: ring, NameKey: name}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreChild is the other process of TestTwoStoresOneFile; it does
// nothing unless run by it. In write mode it Sets "from-child" and
// Flushes; in read mode it Loads "from-parent" and prints what it got.
func TestStoreChild(t *testing.T) {
	mode := os.Getenv(envStoreMode)
	if mode == "" {
		t.Skip("run by TestTwoStoresOneFile")
	}
	s := openSharedStore(t, os.Getenv(envStorePath), os.Getenv(envStoreKeys))
	defer s.Close()
	ctx := context.Background()
	switch mode {
	case "write":
		if err := s.Set("from-child", "hello parent", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		fmt.Println("flushed")
	case "read":
		v, err := s.Load(ctx, "from-parent")
		fmt.Printf("loaded %q %v\n", v, err)
	}
}

// TestTwoStoresOneFile: two processes with a Store each over one SQLite
// file see each other's flushed writes through Load.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	keys := hexKey(t) + "," + hexKey(t)
	parent := openSharedStore(t, path, keys)
	defer parent.Close()
	ctx := context.Background()
	child := func(mode string) string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envStoreMode+"="+mode, envStorePath+"="+path, envStoreKeys+"="+keys)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child (%s) failed: %v\n%s", mode, err, out)
		}
		return string(out)
	}

	if _, err := parent.Load(ctx, "from-child"); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("Load before the child wrote: %v, want ErrNotFound", err)
	}
	if out := child("write"); !strings.Contains(out, "flushed") {
		t.Fatalf("child output: %s", out)
	}
	if v, err := parent.Load(ctx, "from-child"); err != nil || v != "hello parent" {
		t.Fatalf("parent Load of the child's flushed write = %q, %v", v, err)
	}

	if err := parent.Set("from-parent", "hello child", livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	if err := parent.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if out := child("read"); !strings.Contains(out, `loaded "hello child" <nil>`) {
		t.Fatalf("child Load of the parent's flushed write: %s", out)
	}
}

func hexKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, crypto.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}
