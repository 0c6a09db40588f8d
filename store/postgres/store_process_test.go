package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
)

// Environment of TestStoreChild.
const (
	envStoreMode   = "LIVEDICT_POSTGRES_STORE_MODE" // "write" or "read"
	envStoreSchema = "LIVEDICT_POSTGRES_STORE_SCHEMA"
	envStoreKeys   = "LIVEDICT_POSTGRES_STORE_KEYS" // seal key hex, name key hex
)

// openSharedStore opens an encrypted write-behind Store over the table in
// schema, with keys given as two hex strings.
func openSharedStore(t *testing.T, schema, keys string) *livedict.Store[string, string] {
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
	db, err := Open(context.Background(), testDSN(), &Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	s, err := livedict.New(&livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
		Backend: db, Keyring: ring, NameKey: name, Mode: livedict.WriteBehind}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreChild is the other process of TestTwoStoresOneTable; it does
// nothing unless run by it. In write mode it Sets "from-child" and
// Flushes; in read mode it Loads "from-parent" and prints what it got.
func TestStoreChild(t *testing.T) {
	mode := os.Getenv(envStoreMode)
	if mode == "" {
		t.Skip("run by TestTwoStoresOneTable")
	}
	s := openSharedStore(t, os.Getenv(envStoreSchema), os.Getenv(envStoreKeys))
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

// TestTwoStoresOneTable: two processes with an encrypted write-behind
// Store each over one table see each other's flushed writes through Load.
func TestTwoStoresOneTable(t *testing.T) {
	schema := newSchema(t)
	keys := hexKey(t) + "," + hexKey(t)
	parent := openSharedStore(t, schema, keys)
	defer parent.Close()
	ctx := context.Background()
	child := func(mode string) string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", envStoreMode+"="+mode, envStoreSchema+"="+schema, envStoreKeys+"="+keys)
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
	return hex.EncodeToString(b)
}
