package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/livedict/livedict/config"
)

func TestInitNonInteractive(t *testing.T) {
	t.Run("memory only", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "mem.json")
		ok(t, "init", "--config", path, "--preset", "bucketed", "--non-interactive")
		c, err := config.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := config.Preset("bucketed")
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("wrote %v, want the preset %v", c, want)
		}
	})
	t.Run("env keys", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "env.yml")
		out := ok(t, "init", "--config", path, "--preset", "simple", "--backend", "mem://",
			"--key-env", "APP_KEY", "--name-key-env", "APP_NAME_KEY")
		if !strings.Contains(out, "set APP_KEY to a key of 64 hex digits") {
			t.Errorf("no hint about the unset key variable: %q", out)
		}
		c, err := config.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		e := c.Persist.Encryption
		if e.Keys[0] != (config.KeyRef{ID: 1, Env: "APP_KEY"}) || e.NameKey.Env != "APP_NAME_KEY" || c.DefaultTTL != config.Duration(10*60e9) {
			t.Fatalf("wrote %v", c)
		}
	})
	t.Run("existing key files", func(t *testing.T) {
		ts := newStore(t)
		path := filepath.Join(t.TempDir(), "again.yaml")
		ok(t, "init", "--config", path, "--backend", "mem://", "--keys", "file",
			"--key-file", filepath.Join(ts.dir, "key-1"), "--name-key-file", filepath.Join(ts.dir, "name-key"))
		// Not a key: refused with the reason.
		cli(t, "", "init", "--config", filepath.Join(t.TempDir(), "x.yaml"), "--backend", "mem://", "--keys", "file",
			"--key-file", path, "--name-key-file", filepath.Join(ts.dir, "name-key")).
			wantError(t, exitUsage, "init", "--key-file: crypto: key file")
	})
	t.Run("refuses to overwrite", func(t *testing.T) {
		ts := newStore(t)
		before, _ := os.ReadFile(ts.config)
		cli(t, "", "init", "--config", ts.config, "--preset", "simple").wantError(t, exitRuntime, "init", "exists (use --force")
		after, _ := os.ReadFile(ts.config)
		if !bytes.Equal(before, after) {
			t.Fatal("the file changed")
		}
		ok(t, "init", "--config", ts.config, "--preset", "simple", "--force")
		c, _ := config.LoadFile(ts.config)
		if c.Persist != nil {
			t.Fatalf("--force did not replace the file: %v", c)
		}
	})
	t.Run("generated keys are never overwritten", func(t *testing.T) {
		ts := newStore(t)
		cli(t, "", "init", "--config", filepath.Join(ts.dir, "two.yaml"), "--generate-keys",
			"--key-file", filepath.Join(ts.dir, "key-1"), "--name-key-file", filepath.Join(ts.dir, "nk2")).
			wantError(t, exitUsage, "init", "exists; key files are never overwritten")
	})
	t.Run("bad answers", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.yaml")
		for _, tc := range []struct{ args []string }{
			{[]string{"--preset", "fast"}},
			{[]string{"--ttl", "-5m"}},
			{[]string{"--max-keys", "lots"}},
			{[]string{"--policy", "evict", "--max-keys", "0"}},
			{[]string{"--backend", "nope://x"}},
			{[]string{"--mode", "sometimes"}},
			{[]string{"--key-env", "1BAD"}},
			{[]string{"--key-env", "SAME", "--name-key-env", "SAME"}},
			{[]string{"--keys", "env", "--generate-keys"}},
		} {
			args := append([]string{"init", "--config", path}, tc.args...)
			if r := cli(t, "", args...); r.code != exitUsage {
				t.Errorf("%v: exit %d (%s), want %d", tc.args, r.code, r.stderr, exitUsage)
			}
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatal("a refused init wrote a file")
		}
	})
}
