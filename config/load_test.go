package config_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/livedict/livedict/config"
	"go.yaml.in/yaml/v3"
)

func TestFromJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want config.Config
		err  []string // substrings of the error; nil means success
	}{
		{name: "empty object", in: `{}`},
		{name: "null", in: `null`},
		{name: "fields", in: `{"default_ttl":"5m","max_keys":10,"policy":"evict",
			"buckets":{"a":{"default_ttl":"never","persistence":"none"}},
			"persist":{"backend":"mem://","encryption":{"plaintext":true},"flush_interval":"1s"}}`,
			want: config.Config{
				DefaultTTL: d(5 * time.Minute), MaxKeys: 10, Policy: "evict",
				Buckets: map[string]config.Bucket{"a": {DefaultTTL: config.Never, Persistence: "none"}},
				Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{Plaintext: true}, FlushInterval: d(time.Second)},
			}},
		{name: "empty input", in: ``, err: []string{"empty input"}},
		{name: "white space only", in: " \n\t", err: []string{"empty input"}},
		{name: "syntax error has a position", in: "{\n  \"max_keys\": 1,\n  oops\n}", err: []string{"line 3, column 3"}},
		{name: "unknown field", in: `{"max_key":1}`, err: []string{"config: max_key: unknown field"}},
		{name: "unknown nested field", in: `{"persist":{"encryption":{"keyz":[]}}}`, err: []string{"persist.encryption.keyz: unknown field"}},
		{name: "unknown field in a bucket", in: `{"buckets":{"s":{"ttl":"1m"}}}`, err: []string{"buckets.s.ttl: unknown field"}},
		{name: "unknown field in a key", in: `{"persist":{"encryption":{"keys":[{"id":1},{"id":2,"envv":"X"}]}}}`, err: []string{"persist.encryption.keys[1].envv: unknown field"}},
		{name: "names are case-sensitive", in: `{"Max_Keys":1}`, err: []string{"Max_Keys: unknown field (did you mean max_keys?"}},
		{name: "wrong type", in: `{"max_keys":"many"}`, err: []string{"max_keys", "line 1"}},
		{name: "duration as a number", in: `{"default_ttl":300}`, err: []string{"default_ttl", "config.Duration"}},
		{name: "bad duration", in: `{"persist":{"timeout":"5mm"}}`, err: []string{`invalid duration "5mm"`}},
		{name: "duration without a unit", in: `{"default_ttl":"300"}`, err: []string{`invalid duration "300"`}},
		{name: "two values", in: `{} {}`, err: []string{"data after the configuration"}},
		{name: "trailing garbage", in: `{}x`, err: []string{"data after the configuration"}},
		{name: "not an object", in: `[1]`, err: []string{"cannot unmarshal array"}},
		{name: "key id out of range", in: `{"persist":{"encryption":{"keys":[{"id":4294967296}]}}}`, err: []string{"keys.id"}},
		{name: "too large", in: `{"name":"` + strings.Repeat("a", config.MaxInputSize) + `"}`, err: []string{"larger than"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.FromJSON([]byte(tc.in))
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(tc.want, c); d != "" {
					t.Errorf("config (-want +got):\n%s", d)
				}
				return
			}
			if !errors.Is(err, config.ErrInvalidConfig) {
				t.Fatalf("error %v does not match ErrInvalidConfig", err)
			}
			mustContain(t, err, tc.err...)
		})
	}
}

func TestFromJSONReportsEveryUnknownField(t *testing.T) {
	_, err := config.FromJSON([]byte(`{"polcy":"evict","persist":{"backnd":"mem://","breaker":{"fails":3}},"buckets":{"b":{"max":1}}}`))
	want := []string{"buckets.b.max", "persist.backnd", "persist.breaker.fails", "polcy"}
	if got := paths(t, err); !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
}

func TestFromYAML(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want config.Config
		err  []string
	}{
		{name: "empty mapping", in: "{}\n"},
		{name: "null document", in: "~\n"},
		{name: "fields", in: `
default_ttl: 5m
max_keys: 10
policy: evict
buckets:
  a: {default_ttl: never, persistence: none}
persist:
  backend: mem://
  encryption:
    keys:
      - {id: 1, env: LIVEDICT_KEY}
    name_key: {file: /run/secrets/name}
  flush_interval: 1s
`, want: config.Config{
			DefaultTTL: d(5 * time.Minute), MaxKeys: 10, Policy: "evict",
			Buckets: map[string]config.Bucket{"a": {DefaultTTL: config.Never, Persistence: "none"}},
			Persist: &config.Persist{
				Backend: "mem://",
				Encryption: config.Encryption{
					Keys:    []config.KeyRef{{ID: 1, Env: "LIVEDICT_KEY"}},
					NameKey: config.KeySource{File: "/run/secrets/name"},
				},
				FlushInterval: d(time.Second),
			},
		}},
		{name: "zero duration", in: "default_ttl: 0\n"},
		{name: "anchors", in: "buckets:\n  a: &b {max_keys: 5}\n  c: *b\n", want: config.Config{
			Buckets: map[string]config.Bucket{"a": {MaxKeys: 5}, "c": {MaxKeys: 5}},
		}},
		{name: "empty input", in: "", err: []string{"empty input"}},
		{name: "comment only", in: "# nothing\n", err: []string{"empty input"}},
		{name: "syntax error", in: "max_keys: [1\n", err: []string{"yaml"}},
		{name: "unknown field has its line", in: "max_keys: 1\npolcy: evict\n", err: []string{"line 2", "polcy"}},
		{name: "unknown nested field", in: "persist:\n  backend: mem://\n  encryption: {keyz: []}\n", err: []string{"line 3", "keyz"}},
		{name: "every type error listed", in: "max_keys: many\nshards: lots\n", err: []string{"line 1", "line 2"}},
		{name: "bad duration has its line", in: "max_keys: 1\ndefault_ttl: 5mm\n", err: []string{"line 2", `invalid duration "5mm"`}},
		{name: "duration without a unit", in: "default_ttl: 300\n", err: []string{`invalid duration "300"`}},
		{name: "duration as a mapping", in: "default_ttl: {a: 1}\n", err: []string{"line 1", "duration must be a string"}},
		{name: "two documents", in: "max_keys: 1\n---\nmax_keys: 2\n", err: []string{"more than one document"}},
		{name: "duplicate key", in: "max_keys: 1\nmax_keys: 2\n", err: []string{"max_keys"}},
		{name: "not a mapping", in: "- 1\n", err: []string{"line 1: want a mapping, got a sequence"}},
		{name: "too large", in: "name: " + strings.Repeat("a", config.MaxInputSize) + "\n", err: []string{"larger than"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.FromYAML([]byte(tc.in))
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(tc.want, c); d != "" {
					t.Errorf("config (-want +got):\n%s", d)
				}
				return
			}
			if !errors.Is(err, config.ErrInvalidConfig) {
				t.Fatalf("error %v does not match ErrInvalidConfig", err)
			}
			mustContain(t, err, tc.err...)
		})
	}
}

// TestRoundTrip encodes configurations and decodes them again: every
// field survives JSON and YAML.
func TestRoundTrip(t *testing.T) {
	cases := map[string]config.Config{"zero": {}, "full": fullConfig()}
	for _, name := range config.Presets() {
		c, err := config.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		cases["preset "+name] = c
	}
	inline := fullConfig()
	inline.Persist.Encryption.AllowInlineSecrets = true
	inline.Persist.Encryption.Keys[0] = config.KeyRef{ID: 1, Value: "c2VjcmV0"}
	cases["inline secret"] = inline
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			j, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := config.FromJSON(j)
			if err != nil {
				t.Fatalf("FromJSON(%s): %v", j, err)
			}
			if d := diff(c, got); d != "" {
				t.Errorf("JSON round trip (-want +got):\n%s\n%s", d, j)
			}
			y, err := yaml.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			got, err = config.FromYAML(y)
			if err != nil {
				t.Fatalf("FromYAML(%s): %v", y, err)
			}
			if d := diff(c, got); d != "" {
				t.Errorf("YAML round trip (-want +got):\n%s\n%s", d, y)
			}
		})
	}
}

// TestJSONNames pins the names a configuration is written with.
func TestJSONNames(t *testing.T) {
	j, err := json.Marshal(fullConfig())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"default_ttl":"5m0s","shards":32,"max_keys":1000,"policy":"evict","require_bucket":true,"read_stats":true,"name":"orders",` +
		`"buckets":{"local":{"default_ttl":"never","persistence":"none"},"sessions":{"default_ttl":"30m0s","max_keys":20,"persistence":"write-through"}},` +
		`"persist":{"backend":"mem://","encryption":{"keys":[{"id":1,"env":"LIVEDICT_KEY"},{"id":2,"file":"/run/secrets/key2"}],"primary":2,` +
		`"algorithm":"xchacha20-poly1305","name_key":{"file":"/run/secrets/name"}},"compression":{"algorithm":"zstd","min_size":512},` +
		`"codec":"json","mode":"write-behind","queue_size":128,"flush_interval":"250ms","when_full":"drop","block_timeout":"2s",` +
		`"retries":3,"retry_backoff":"50ms","timeout":"3s","breaker":{"timeout":"1s","failures":7,"cooldown":"10s"}}}`
	if diff := cmp.Diff(want, string(j)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := config.Config{MaxKeys: 7, Policy: "evict"}
	for _, name := range []string{"a.json", "b.JSON"} {
		c, err := config.LoadFile(write(name, `{"max_keys":7,"policy":"evict"}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := diff(want, c); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	for _, name := range []string{"a.yaml", "b.yml", "c.YML"} {
		c, err := config.LoadFile(write(name, "max_keys: 7\npolicy: evict\n"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := diff(want, c); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}

	bad := write("bad.yaml", "max_keys: 1\nmax_kes: 2\n")
	_, err := config.LoadFile(bad)
	if !errors.Is(err, config.ErrInvalidConfig) {
		t.Errorf("bad content: %v does not match ErrInvalidConfig", err)
	}
	mustContain(t, err, bad, "line 2", "max_kes")

	_, err = config.LoadFile(write("c.toml", "max_keys = 1"))
	if !errors.Is(err, config.ErrInvalidConfig) {
		t.Errorf("unknown extension: %v does not match ErrInvalidConfig", err)
	}
	mustContain(t, err, `".toml"`)

	_, err = config.LoadFile(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v does not match fs.ErrNotExist", err)
	}

	big := write("big.json", `{"name":"`+strings.Repeat("a", config.MaxInputSize)+`"}`)
	_, err = config.LoadFile(big)
	mustContain(t, err, "larger than")
}
