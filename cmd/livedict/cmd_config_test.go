package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict/config"
)

// livedict config prints the file, the environment and the defaults
// merged, and never a byte of the keys it names.
func TestConfigPreview(t *testing.T) {
	ts := newStore(t)
	keys := []string{}
	for _, f := range []string{"key-1", "name-key"} {
		b, err := os.ReadFile(filepath.Join(ts.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, strings.TrimSpace(string(b)))
	}
	t.Setenv("LIVEDICT_QUEUE_SIZE", "777")
	out := ok(t, ts.with("config")...)
	want := []string{
		"max_keys: 0", "policy: reject", "name: livedict", "require_bucket: false",
		"queue_size: 777",                                                         // from the environment
		"mode: write-through",                                                     // from the file (the preset)
		"when_full: block", "retries: 5", "timeout: 5s", "algorithm: aes-256-gcm", // defaults
		"file: " + filepath.Join(ts.dir, "key-1"), // the key's reference
		"backend: sqlite://" + ts.db,
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("config output lacks %q:\n%s", w, out)
		}
	}
	for _, k := range keys {
		if len(k) < 16 || strings.Contains(out, k[:16]) {
			t.Errorf("config output shows key material:\n%s", out)
		}
	}
	// The YAML preview is a configuration that loads.
	if _, err := config.FromYAML([]byte(out)); err != nil {
		t.Errorf("the preview does not load back: %v", err)
	}

	js := ok(t, ts.with("config", "--format", "json")...)
	var tree map[string]any
	if err := json.Unmarshal([]byte(js), &tree); err != nil {
		t.Fatalf("--format json is not JSON: %v\n%s", err, js)
	}
	if p := tree["persist"].(map[string]any); p["queue_size"] != float64(777) || p["codec"] != "msgpack" {
		t.Errorf("json preview persist = %v", p)
	}

	cli(t, "", ts.with("config", "--format", "toml")...).wantError(t, exitUsage, "config", "--format must be yaml or json")
	cli(t, "", ts.with("config", "extra")...).wantError(t, exitUsage, "config", "")
	t.Setenv("LIVEDICT_QUEUE_SIZE", "-1")
	cli(t, "", ts.with("config")...).wantError(t, exitConfig, "config", "queue_size")
}

// The backend's password and inline keys are redacted.
func TestConfigPreviewRedacts(t *testing.T) {
	const inline = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := `persist:
  backend: redis://app:s3cret-pass@127.0.0.1:6379/0
  encryption:
    allow_inline_secrets: true
    keys:
      - id: 1
        value: "` + inline + `"
    name_key:
      env: LIVEDICT_NAME_KEY
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"yaml", "json"} {
		out := ok(t, "--config", path, "config", "--format", format)
		for _, secret := range []string{"s3cret", inline[:16]} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output shows %q:\n%s", format, secret, out)
			}
		}
		for _, w := range []string{"redis://app:xxxxx@127.0.0.1:6379/0", "[redacted]", "LIVEDICT_NAME_KEY"} {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", format, w, out)
			}
		}
	}
}
