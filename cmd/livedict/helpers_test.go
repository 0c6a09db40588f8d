package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/store"
)

// result is what one run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the command line in process, with stdin.
func cli(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// ok runs the command line and fails the test unless it exits 0.
func ok(t testing.TB, args ...string) string {
	t.Helper()
	r := cli(t, "", args...)
	if r.code != 0 {
		t.Fatalf("livedict %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// wantError checks a failed run: its exit code, and one line on stderr,
// "livedict: <cmd>: ..." holding want.
func (r result) wantError(t testing.TB, code int, cmd, want string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("stderr is not one line: %q", r.stderr)
	}
	prefix := "livedict: " + cmd + ": "
	if cmd == "" {
		prefix = "livedict: "
	}
	if !strings.HasPrefix(lines[0], prefix) || !strings.Contains(lines[0], want) {
		t.Fatalf("stderr %q, want a line starting %q holding %q", lines[0], prefix, want)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Fatalf("stderr looks like a stack trace: %q", r.stderr)
		}
	}
}

// testStore is an SQLite store in a temporary directory, configured by
// livedict init with generated key files.
type testStore struct {
	dir, config, db string
}

// newStore writes a configuration for an SQLite store in a fresh
// directory; extra flags go to init.
func newStore(t testing.TB, extra ...string) testStore {
	t.Helper()
	dir := t.TempDir()
	ts := testStore{dir: dir, config: filepath.Join(dir, "livedict.yaml"), db: filepath.Join(dir, "live.db")}
	args := append([]string{"init", "--non-interactive", "--config", ts.config,
		"--preset", "durable_sql", "--backend", "sqlite://" + ts.db, "--max-keys", "0",
		"--keys", "file", "--generate-keys",
		"--key-file", filepath.Join(dir, "key-1"), "--name-key-file", filepath.Join(dir, "name-key")}, extra...)
	ok(t, args...)
	return ts
}

// sameKeysStore is a fresh SQLite store configured with ts's name and
// keys: where a sealed export of ts can be imported.
func (ts testStore) sameKeysStore(t testing.TB) testStore {
	t.Helper()
	c, err := config.LoadFile(ts.config)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	other := testStore{dir: dir, config: filepath.Join(dir, "livedict.yaml"), db: filepath.Join(dir, "live.db")}
	c.Persist.Backend = "sqlite://" + other.db
	if err := saveConfig(other.config, c, false); err != nil {
		t.Fatal(err)
	}
	return other
}

// with returns args after the --config flag of the store.
func (ts testStore) with(args ...string) []string {
	return append([]string{"--config", ts.config}, args...)
}

// rawScan returns the raw records of a bucket, below encryption.
func (ts testStore) rawScan(t testing.TB, bucket string) []store.Record {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+ts.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rs []store.Record
	for r, err := range st.Scan(ctx, bucket) {
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

// keyIDs counts the raw records of a bucket by the key id in each blob's
// header (crypto/doc.go: version, algorithm, 4-byte big-endian key id).
func (ts testStore) keyIDs(t testing.TB, bucket string) map[uint32]int {
	t.Helper()
	ids := map[uint32]int{}
	for _, r := range ts.rawScan(t, bucket) {
		if len(r.Value) < 6 || r.Value[0] != 1 {
			t.Fatalf("record %q is not a version 1 blob", r.Key)
		}
		id := uint32(r.Value[2])<<24 | uint32(r.Value[3])<<16 | uint32(r.Value[4])<<8 | uint32(r.Value[5])
		ids[id]++
	}
	return ids
}

// child returns a command running the test binary as livedict with args.
func child(t testing.TB, dir string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnviron(), childEnv+"=1")
	return cmd
}

// cleanEnviron is the environment without LIVEDICT_ variables.
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LIVEDICT_") {
			env = append(env, kv)
		}
	}
	return env
}

// deadline bounds the waits of tests on children, so that a hung child
// fails the test instead of hanging it.
func deadline(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
