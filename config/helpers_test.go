package config_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/livedict/livedict/config"
)

// equateEmpty makes a nil map or slice equal to an empty one: encoders
// leave empty ones out.
var equateEmpty = cmpopts.EquateEmpty()

func diff(a, b config.Config) string { return cmp.Diff(a, b, equateEmpty) }

func d(v time.Duration) config.Duration { return config.Duration(v) }

// fullConfig sets every field of a Config, each to a value other than its
// default, so that a mapping that drops or swaps a field shows.
func fullConfig() config.Config {
	return config.Config{
		DefaultTTL:    d(5 * time.Minute),
		Shards:        32,
		MaxKeys:       1000,
		Policy:        "evict",
		RequireBucket: true,
		ReadStats:     true,
		Name:          "orders",
		Buckets: map[string]config.Bucket{
			"sessions": {DefaultTTL: d(30 * time.Minute), MaxKeys: 20, Persistence: "write-through"},
			"local":    {DefaultTTL: config.Never, Persistence: "none"},
		},
		Persist: &config.Persist{
			Backend: "mem://",
			Encryption: config.Encryption{
				Keys: []config.KeyRef{
					{ID: 1, Env: "LIVEDICT_KEY"},
					{ID: 2, File: "/run/secrets/key2"},
				},
				Primary:   2,
				Algorithm: "xchacha20-poly1305",
				NameKey:   config.KeySource{File: "/run/secrets/name"},
			},
			Compression:   config.Compression{Algorithm: "zstd", MinSize: 512},
			Codec:         "json",
			Mode:          "write-behind",
			QueueSize:     128,
			FlushInterval: d(250 * time.Millisecond),
			WhenFull:      "drop",
			BlockTimeout:  d(2 * time.Second),
			Retries:       3,
			RetryBackoff:  d(50 * time.Millisecond),
			Timeout:       d(3 * time.Second),
			Breaker:       &config.Breaker{Timeout: d(time.Second), Failures: 7, Cooldown: d(10 * time.Second)},
		},
	}
}

// hexKey returns a fresh random key as 64 hex digits.
func hexKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// keyFile writes a fresh key to a file and returns its path.
func keyFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(hexKey(t)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fieldErrors returns the errors of a *ValidationError, failing the test
// for any other error.
func fieldErrors(t *testing.T, err error) []config.FieldError {
	t.Helper()
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *config.ValidationError", err, err)
	}
	if !errors.Is(err, config.ErrInvalidConfig) {
		t.Fatalf("error %v does not match ErrInvalidConfig", err)
	}
	return ve.Errors
}

// paths returns the paths of a *ValidationError's fields.
func paths(t *testing.T, err error) []string {
	t.Helper()
	var ps []string
	for _, f := range fieldErrors(t, err) {
		ps = append(ps, f.Path)
	}
	return ps
}

func mustContain(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
