package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command prints its usage for --help and -h, on stdout, exit 0.
func TestHelpForEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, flag := range []string{"--help", "-h"} {
			t.Run(c.name+flag, func(t *testing.T) {
				r := cli(t, "", c.name, flag)
				if r.code != 0 || r.stderr != "" {
					t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
				}
				if !strings.HasPrefix(r.stdout, "Usage: livedict "+c.name+" ") || !strings.Contains(r.stdout, "Exit codes:") {
					t.Fatalf("usage is %q", r.stdout)
				}
			})
		}
		t.Run("help "+c.name, func(t *testing.T) {
			if out := ok(t, "help", c.name); !strings.HasPrefix(out, "Usage: livedict "+c.name+" ") {
				t.Fatalf("help %s printed %q", c.name, out)
			}
		})
	}
}

// livedict help and livedict --help list every command and the exit
// codes.
func TestOverview(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out := ok(t, args...)
		for _, c := range commands() {
			if !strings.Contains(out, "\n  "+c.name+" ") {
				t.Errorf("%v does not list %s", args, c.name)
			}
		}
		for _, code := range []string{"0  success", "1  runtime", "2  usage", "3  configuration", "4  get"} {
			if !strings.Contains(out, code) {
				t.Errorf("%v does not document exit code %q", args, code)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		cmd, want string
	}{
		{[]string{"frobnicate"}, "frobnicate", "unknown command"},
		{nil, "", "no command given"},
		{[]string{"--nope"}, "", "flag provided but not defined"},
		{[]string{"get"}, "get", "want KEY"},
		{[]string{"get", "a", "b"}, "get", "want KEY"},
		{[]string{"set", "a"}, "set", "want KEY VALUE"},
		{[]string{"set", "--ttl", "soon", "a", "b"}, "set", "--ttl"},
		{[]string{"set", "--ttl", "-5m", "a", "b"}, "set", "--ttl"},
		{[]string{"get", "--key-type", "float", "a"}, "get", "--key-type"},
		{[]string{"get", "--key-type", "int", "abc"}, "get", "not a 64-bit integer"},
		{[]string{"get", "--bucket", "a", "--bucket", "b", "k"}, "get", "one --bucket"},
		{[]string{"keys", "extra"}, "keys", "takes no arguments"},
		{[]string{"rotate-key"}, "rotate-key", "exactly one of"},
		{[]string{"rotate-key", "--resume", "--retire", "1"}, "rotate-key", "exactly one of"},
		{[]string{"rotate-key", "--new-key-env", "K", "--generate"}, "rotate-key", "--generate"},
		{[]string{"help", "nope"}, "help", "unknown command"},
		{[]string{"bench", "--n", "0"}, "bench", "--n"},
		{[]string{"init", "--config", "x.toml"}, "init", ".yaml, .yml or .json"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cli(t, "", tc.args...).wantError(t, exitUsage, tc.cmd, tc.want)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	cli(t, "", "get", "--config", missing, "k").wantError(t, exitConfig, "get", "nope.yaml does not exist")

	// Several bad fields are still one line.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("max_keys: -1\npolicy: sometimes\npersist:\n  backend: sqlite:x.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, "", "--config", bad, "keys").wantError(t, exitConfig, "keys", "max_keys")

	unknown := filepath.Join(dir, "unknown.json")
	if err := os.WriteFile(unknown, []byte(`{"max_key": 5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, "", "--config", unknown, "stats").wantError(t, exitConfig, "stats", "max_key")

	memOnly := filepath.Join(dir, "mem.yaml")
	if err := os.WriteFile(memOnly, []byte("max_keys: 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli(t, "", "--config", memOnly, "get", "k").wantError(t, exitConfig, "get", "no persist section")

	// A key file that is not there is a configuration error, and the
	// message names the key without showing any key material.
	ts := newStore(t)
	if err := os.Remove(filepath.Join(ts.dir, "key-1")); err != nil {
		t.Fatal(err)
	}
	cli(t, "", ts.with("get", "k")...).wantError(t, exitConfig, "get", "persist.encryption.keys[0]")
}

// The environment overrides the file, and a misspelt LIVEDICT_ variable
// is a configuration error; LIVEDICT_CONFIG names the file.
func TestEnvironment(t *testing.T) {
	ts := newStore(t)
	t.Setenv(configEnv, ts.config)
	ok(t, "set", "k", "1")
	if out := ok(t, "get", "k"); out != "1\n" {
		t.Fatalf("get k = %q", out)
	}
	t.Setenv("LIVEDICT_MAX_KEY", "5")
	cli(t, "", "get", "k").wantError(t, exitConfig, "get", "LIVEDICT_MAX_KEY")
	os.Unsetenv("LIVEDICT_MAX_KEY")
	// The environment's backend wins over the file's: an empty database.
	t.Setenv("LIVEDICT_BACKEND", "sqlite://"+filepath.Join(t.TempDir(), "other.db"))
	cli(t, "", "get", "k").wantError(t, exitNotFound, "get", `key "k" has no live value`)
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"mem://":                        "mem://",
		"sqlite:///var/lib/x.db":        "sqlite:///var/lib/x.db",
		"redis://user:s3cret@host:6379": "redis://user:xxxxx@host:6379",
		"redis://:s3cret@host:6379/0":   "redis://:xxxxx@host:6379/0",
		"%zz":                           "[unparsable URL]",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
