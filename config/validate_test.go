package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/livedict/livedict/config"
)

func TestValidateAcceptsGoodConfigs(t *testing.T) {
	good := map[string]config.Config{
		"zero":        {},
		"full":        fullConfig(),
		"never":       {DefaultTTL: config.Never},
		"plaintext":   {Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{Plaintext: true}}},
		"one key":     {Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{Keys: []config.KeyRef{{ID: 9, Env: "K"}}, NameKey: config.KeySource{Env: "N"}}}},
		"inline":      {Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{AllowInlineSecrets: true, Keys: []config.KeyRef{{ID: 1, Value: "x"}}, NameKey: config.KeySource{Value: "y"}}}},
		"mode none":   {Persist: &config.Persist{Backend: "mem://", Mode: "none", Encryption: config.Encryption{Plaintext: true}}},
		"max shards":  {Shards: 1024},
		"odd bucket":  {Buckets: map[string]config.Bucket{"a.b c": {MaxKeys: 1}}},
		"compress":    {Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{Plaintext: true}, Compression: config.Compression{Algorithm: "s2", MinSize: -1}}},
		"breaker off": {Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{Plaintext: true}, Breaker: &config.Breaker{Timeout: config.Never}}},
	}
	for name, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestValidateListsEveryError breaks many fields at once and expects each
// to be reported, in order, with its path.
func TestValidateListsEveryError(t *testing.T) {
	c := config.Config{
		DefaultTTL: d(-time.Second),
		Shards:     3,
		MaxKeys:    -1,
		Policy:     "lru",
		Buckets: map[string]config.Bucket{
			"sessions": {MaxKeys: -5, DefaultTTL: d(-2)},
			"":         {},
			"a.b":      {Persistence: "sometimes"},
		},
		Persist: &config.Persist{
			Backend: "not a url",
			Encryption: config.Encryption{
				Keys: []config.KeyRef{
					{ID: 0, Env: "A"},
					{ID: 2, Env: "B", File: "/k"},
					{ID: 2, Value: "s3cr3t-material"},
				},
				Primary:   7,
				Algorithm: "rot13",
			},
			Compression:   config.Compression{MinSize: 10},
			Codec:         "xml",
			Mode:          "sometimes",
			WhenFull:      "panic",
			QueueSize:     -1,
			Retries:       -2,
			FlushInterval: d(-1),
			BlockTimeout:  d(-2),
			RetryBackoff:  d(-3),
			Timeout:       d(-4),
			Breaker:       &config.Breaker{Timeout: d(-5), Failures: -1, Cooldown: config.Never},
		},
	}
	want := []config.FieldError{
		{"default_ttl", "must be >= 0 or never, got -1s"},
		{"shards", "must be 0 or a power of two up to 1024, got 3"},
		{"max_keys", "must be >= 0, got -1"},
		{"policy", `unknown policy "lru" (want reject or evict)`},
		{`buckets[""]`, "the default bucket takes the store's settings; name the bucket"},
		{`buckets["a.b"].persistence`, `unknown persistence "sometime"… (9 bytes) (want default, none, write-behind or write-through)`},
		{"buckets.sessions.default_ttl", "must be >= 0 or never, got -2ns"},
		{"buckets.sessions.max_keys", "must be >= 0, got -5"},
		{"persist.backend", "is not a URL with a scheme, such as sqlite:///var/lib/app.db"},
		{"persist.encryption.algorithm", "unknown algorithm (a value of 5 bytes, not shown) (want aes-256-gcm or xchacha20-poly1305)"},
		{"persist.encryption.keys[0].id", "must be 1 to 4294967295"},
		{"persist.encryption.keys[1]", "sets env and file: set exactly one of env, file or value"},
		{"persist.encryption.keys[2].id", "is 2, the id of keys[1] too"},
		{"persist.encryption.keys[2].value", "inline key material needs persist.encryption.allow_inline_secrets: true; prefer env or file"},
		{"persist.encryption.primary", "is 7, which is not the id of any key"},
		{"persist.encryption.name_key", "is required unless plaintext: true (set env or file)"},
		{"persist.compression.min_size", "is set but compression.algorithm is none"},
		{"persist.codec", `unknown codec "xml" (want msgpack, json or gob)`},
		{"persist.mode", `unknown mode "sometime"… (9 bytes) (want write-behind, write-through or none)`},
		{"persist.when_full", `unknown policy "panic" (want block, drop or fail)`},
		{"persist.queue_size", "must be >= 0, got -1"},
		{"persist.retries", "must be >= 0, got -2"},
		{"persist.flush_interval", "must be >= 0, got never"},
		{"persist.block_timeout", "must be >= 0, got -2ns"},
		{"persist.retry_backoff", "must be >= 0, got -3ns"},
		{"persist.timeout", "must be >= 0, got -4ns"},
		{"persist.breaker.timeout", "must be >= 0 or never, got -5ns"},
		{"persist.breaker.failures", "must be >= 0, got -1"},
		{"persist.breaker.cooldown", "must be >= 0, got never"},
	}
	err := c.Validate()
	if d := cmp.Diff(want, fieldErrors(t, err)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	// Error lists them one per line.
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Error() has %d lines, want %d:\n%s", len(lines), len(want), err)
	}
	if lines[7] != "config: buckets.sessions.max_keys: must be >= 0, got -5" {
		t.Errorf("line 8 = %q", lines[7])
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("error quotes inline key material:\n%s", err)
	}
}

func TestValidateSingleErrors(t *testing.T) {
	persist := func(f func(p *config.Persist)) config.Config {
		p := &config.Persist{Backend: "mem://", Encryption: config.Encryption{Keys: []config.KeyRef{{ID: 1, Env: "K"}}, NameKey: config.KeySource{Env: "N"}}}
		f(p)
		return config.Config{Persist: p}
	}
	for _, tc := range []struct {
		name string
		c    config.Config
		path string
		msg  string
	}{
		{"evict without max_keys", config.Config{Policy: "evict"}, "max_keys", "must be > 0 with policy evict"},
		{"shards too many", config.Config{Shards: 2048}, "shards", "must be 0 or a power of two up to 1024, got 2048"},
		{"bucket persists without persist", config.Config{Buckets: map[string]config.Bucket{"b": {Persistence: "write-behind"}}},
			"buckets.b.persistence", "is write-behind but there is no persist section"},
		{"no backend", persist(func(p *config.Persist) { p.Backend = "" }), "persist.backend", "is required: the URL of a backend, such as sqlite:///var/lib/app.db"},
		{"no keys", persist(func(p *config.Persist) { p.Encryption.Keys = nil }), "persist.encryption.keys",
			"are required unless plaintext: true (persisting unencrypted must be asked for)"},
		{"primary needed", persist(func(p *config.Persist) {
			p.Encryption.Keys = append(p.Encryption.Keys, config.KeyRef{ID: 2, Env: "K2"})
		}), "persist.encryption.primary", "is required with more than one key"},
		{"key without source", persist(func(p *config.Persist) { p.Encryption.Keys[0].Env = "" }), "persist.encryption.keys[0]", "needs one of env, file or value"},
		{"bad env name", persist(func(p *config.Persist) { p.Encryption.NameKey.Env = "A=B" }), "persist.encryption.name_key.env", "is not a valid environment variable name"},
		{"plaintext with keys", persist(func(p *config.Persist) { p.Encryption.Plaintext = true; p.Encryption.NameKey = config.KeySource{} }),
			"persist.encryption.keys", "must be empty with plaintext: true"},
		{"unknown compression", persist(func(p *config.Persist) { p.Compression.Algorithm = "lz4" }), "persist.compression.algorithm", `unknown algorithm "lz4" (want none, s2 or zstd)`},
		{"default is not a mode", persist(func(p *config.Persist) { p.Mode = "default" }), "persist.mode", `unknown mode "default" (want write-behind, write-through or none)`},
		{"long values are cut", config.Config{Policy: strings.Repeat("x", 100)}, "policy",
			`unknown policy "xxxxxxxx"… (100 bytes) (want reject or evict)`},
		{"long values are cut at a character", config.Config{Policy: "ééééé"}, "policy",
			`unknown policy "éééé"… (10 bytes) (want reject or evict)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldErrors(t, tc.c.Validate())
			want := []config.FieldError{{Path: tc.path, Msg: tc.msg}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

func TestValidationErrorIs(t *testing.T) {
	err := error(&config.ValidationError{Errors: []config.FieldError{{Path: "a", Msg: "b"}}})
	if !errors.Is(err, config.ErrInvalidConfig) {
		t.Error("ValidationError does not match ErrInvalidConfig")
	}
	if errors.Is(err, config.ErrUnknownPreset) {
		t.Error("ValidationError matches ErrUnknownPreset")
	}
	if got := err.Error(); got != "config: a: b" {
		t.Errorf("Error() = %q", got)
	}
}
