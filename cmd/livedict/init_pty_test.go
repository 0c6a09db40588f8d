//go:build unix

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"
	"github.com/livedict/livedict/config"
)

// terminal is the master side of a pseudo-terminal, with what the child
// has written to it so far.
type terminal struct {
	t   *testing.T
	ctx context.Context
	pty *os.File

	mu   sync.Mutex
	out  bytes.Buffer
	more chan struct{} // receives after each read
	done bool
	seen int // bytes of out already matched
}

func newTerminal(t *testing.T, ctx context.Context, f *os.File) *terminal {
	term := &terminal{t: t, ctx: ctx, pty: f, more: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			if err != nil {
				term.done = true
			}
			term.mu.Unlock()
			select {
			case term.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return term
}

// expect waits until the child has written s after what was matched
// before, and returns everything it wrote up to the end of s.
func (term *terminal) expect(s string) string {
	term.t.Helper()
	for {
		term.mu.Lock()
		text := term.out.String()[term.seen:]
		done := term.done
		term.mu.Unlock()
		if i := strings.Index(text, s); i >= 0 {
			term.seen += i + len(s)
			return text[:i+len(s)]
		}
		if done {
			term.t.Fatalf("the terminal closed before %q; it shows:\n%s", s, text)
		}
		select {
		case <-term.more:
		case <-term.ctx.Done():
			term.t.Fatalf("no %q on the terminal; it shows:\n%s", s, text)
		}
	}
}

// answer waits for a prompt and types a line.
func (term *terminal) answer(prompt, line string) {
	term.t.Helper()
	term.expect(prompt)
	if _, err := io.WriteString(term.pty, line+"\r"); err != nil {
		term.t.Fatal(err)
	}
}

// The wizard runs in a real terminal: every prompt is answered, two
// answers are wrong and asked again with the reason, and the file it
// writes loads and validates. The same answers given as flags to a
// non-interactive init write the same configuration.
func TestInitWizardInTerminal(t *testing.T) {
	ctx := deadline(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "livedict.yaml")
	db := "sqlite://" + filepath.Join(dir, "live.db")

	cmd := child(t, dir, "init", "--config", cfgPath)
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	term := newTerminal(t, ctx, f)

	term.answer("Preset to start from (simple, bucketed, durable_sql, hybrid_cache_db, none) [durable_sql]: ", "durable")
	term.expect("invalid: want one of simple, bucketed, durable_sql, hybrid_cache_db, none; try again")
	term.answer("[durable_sql]: ", "") // the default
	term.answer("Backend URL, or none for memory only [sqlite:livedict.db]: ", "ftp://example.com/x")
	term.expect(`invalid: unknown scheme "ftp"`)
	term.answer("[sqlite:livedict.db]: ", db)
	term.answer("Default TTL (such as 30s, 10m, 1h; 0 or never: no expiry) [10m0s]: ", "5m")
	term.answer("Max keys (0: no bound) [100000]: ", "-3")
	term.expect("invalid: want a whole number, 0 or more; try again")
	term.answer("[100000]: ", "5000")
	term.answer("At max keys (reject, evict) [reject]: ", "evict")
	term.answer("[write-through]: ", "write-behind")
	term.answer("Compression (none, s2, zstd) [none]: ", "s2")
	term.answer("Keys come from (env: environment variables; file: key files) [env]: ", "file")
	term.answer("Generate new key files (yes, no) [yes]: ", "")
	term.answer("Key file for key 1 ["+filepath.Join(dir, "livedict-key-1")+"]: ", "")
	term.answer("Key file for the name key ["+filepath.Join(dir, "livedict-name-key")+"]: ", "")
	term.answer("Write "+cfgPath+" (yes, no) [yes]: ", "y")
	term.expect("wrote " + cfgPath)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("init: %v; terminal:\n%s", err, term.expect(""))
	}

	got, err := config.LoadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	want := config.Config{
		DefaultTTL: config.Duration(5 * 60e9),
		MaxKeys:    5000,
		Policy:     "evict",
		Persist: &config.Persist{
			Backend: db,
			Encryption: config.Encryption{
				Keys:      []config.KeyRef{{ID: 1, File: filepath.Join(dir, "livedict-key-1")}},
				Primary:   1,
				Algorithm: "aes-256-gcm",
				NameKey:   config.KeySource{File: filepath.Join(dir, "livedict-name-key")},
			},
			Compression: config.Compression{Algorithm: "s2"},
			Codec:       "msgpack",
			Mode:        "write-behind",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("wrote %v\nwant  %v", got, want)
	}
	for _, k := range []string{"livedict-key-1", "livedict-name-key", "livedict.yaml"} {
		st, err := os.Stat(filepath.Join(dir, k))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", k, st.Mode().Perm())
		}
	}
	// The store it describes opens.
	ok(t, "--config", cfgPath, "set", "k", "1")

	// The same answers as flags, without a terminal.
	dir2 := t.TempDir()
	cfg2 := filepath.Join(dir2, "livedict.yaml")
	ok(t, "init", "--config", cfg2, "--backend", db, "--ttl", "5m", "--max-keys", "5000",
		"--policy", "evict", "--mode", "write-behind", "--compression", "s2", "--generate-keys")
	got2, err := config.LoadFile(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	want.Persist.Encryption.Keys[0].File = filepath.Join(dir2, "livedict-key-1")
	want.Persist.Encryption.NameKey.File = filepath.Join(dir2, "livedict-name-key")
	if !reflect.DeepEqual(got2, want) {
		t.Fatalf("non-interactive init wrote %v\nwant %v", got2, want)
	}
}

// Ending the wizard's input writes nothing.
func TestInitWizardAborted(t *testing.T) {
	ctx := deadline(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "livedict.yaml")
	cmd := child(t, dir, "init", "--config", cfgPath)
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	term := newTerminal(t, ctx, f)
	term.answer("Preset to start from", "simple")
	term.expect("Backend URL")
	if _, err := f.Write([]byte{4}); err != nil { // Ctrl-D
		t.Fatal(err)
	}
	term.expect("livedict: init: aborted: nothing was written")
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != exitRuntime {
		t.Fatalf("exit %v, want %d", err, exitRuntime)
	}
	if _, err := os.Stat(cfgPath); !os.IsNotExist(err) {
		t.Fatalf("aborted init left %s: %v", cfgPath, err)
	}
}
