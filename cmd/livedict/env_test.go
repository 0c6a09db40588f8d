package main

import (
	"strings"
	"testing"

	"github.com/livedict/livedict/config"
)

// TestEnvironmentUnknownVariables checks the rule for LIVEDICT_ variables
// livedict does not know: one that is nowhere near a setting (a
// container's or a tool's own, such as LIVEDICT_CLI) is a warning on
// stderr and the command runs; LIVEDICT_STRICT_ENV=true makes it a
// configuration error; a near miss of a setting is always an error that
// names the setting.
func TestEnvironmentUnknownVariables(t *testing.T) {
	ts := newStore(t)
	t.Setenv(configEnv, ts.config)
	ok(t, "set", "k", "1")

	t.Setenv("LIVEDICT_CLI", "1")
	t.Setenv("LIVEDICT_SERVICE_HOST", "10.0.0.1")
	r := cli(t, "", "get", "k")
	if r.code != exitOK || r.stdout != "1\n" {
		t.Fatalf("get k with unknown variables: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	warnings := lines(r.stderr)
	if len(warnings) != 2 {
		t.Fatalf("stderr %q, want two warnings", r.stderr)
	}
	for i, name := range []string{"LIVEDICT_CLI", "LIVEDICT_SERVICE_HOST"} {
		want := "livedict: warning: config: " + name + ": unknown variable, ignored"
		if !strings.HasPrefix(warnings[i], want) || !strings.Contains(warnings[i], config.StrictEnvVar+"=true") {
			t.Errorf("warning %q, want %q...", warnings[i], want)
		}
	}

	t.Setenv(config.StrictEnvVar, "true")
	cli(t, "", "get", "k").wantError(t, exitConfig, "get", "LIVEDICT_CLI: unknown variable")
	t.Setenv(config.StrictEnvVar, "false")
	if r := cli(t, "", "get", "k"); r.code != exitOK {
		t.Fatalf("%s=false: exit %d, stderr %q", config.StrictEnvVar, r.code, r.stderr)
	}

	t.Setenv("LIVEDICT_MAX_KEY", "5")
	r = cli(t, "", "get", "k")
	if r.code != exitConfig || !strings.Contains(r.stderr, "livedict: get: environment: config: LIVEDICT_MAX_KEY: unknown variable (did you mean LIVEDICT_MAX_KEYS?)") {
		t.Fatalf("near miss: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestEnvironmentQuotesLittle checks that a key pasted into a setting's
// variable shows at most a few characters of it in the error.
func TestEnvironmentQuotesLittle(t *testing.T) {
	const key = "5e0c1a9d7b3f28e4c6a0d9f1b2e8c7a3945f6d0e1c2b3a4f5e6d7c8b9a0f1e2d"
	ts := newStore(t)
	t.Setenv(configEnv, ts.config)
	for _, name := range []string{"LIVEDICT_MAX_KEYS", "LIVEDICT_DEFAULT_TTL", "LIVEDICT_PRIMARY_KEY", "LIVEDICT_PLAINTEXT", "LIVEDICT_KEYS", "LIVEDICT_NAME_KEY_SOURCE"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, key)
			r := cli(t, "", "get", "k")
			r.wantError(t, exitConfig, "get", name)
			if strings.Contains(r.stderr, key[:9]) {
				t.Errorf("stderr shows the key: %q", r.stderr)
			}
		})
	}
}
