package config_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/livedict/livedict/config"
)

// checkDecoded holds for every configuration a loader accepts: Validate
// and String do not panic, and JSON carries it: decoding its encoding
// gives c again when exact is set (no string of c can hold invalid UTF-8,
// which encoding replaces), and in any case a Config that JSON carries
// unchanged, encoding included.
func checkDecoded(t *testing.T, c config.Config, exact bool) {
	_ = c.Validate()
	_ = c.String()
	back, j := jsonRoundTrip(t, c)
	if back == nil {
		return
	}
	if d := diff(c, *back); exact && d != "" {
		t.Fatalf("JSON round trip (-want +got):\n%s", d)
	}
	again, j2 := jsonRoundTrip(t, *back)
	if again == nil {
		return
	}
	if d := diff(*back, *again); d != "" {
		t.Fatalf("second JSON round trip (-want +got):\n%s", d)
	}
	if j3, _ := json.Marshal(again); !bytes.Equal(j2, j3) {
		t.Fatalf("JSON encoding not stable:\n%s\n%s\n(first %s)", j2, j3, j)
	}
}

// jsonRoundTrip encodes c and decodes it again; nil when the encoding is
// too large for FromJSON, as escapes can make it.
func jsonRoundTrip(t *testing.T, c config.Config) (*config.Config, []byte) {
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if len(j) > config.MaxInputSize {
		return nil, j
	}
	back, err := config.FromJSON(j)
	if err != nil {
		t.Fatalf("FromJSON(Marshal(c)) = %v\n%s", err, j)
	}
	return &back, j
}

func FuzzFromJSON(f *testing.F) {
	f.Add([]byte(`{"default_ttl":"5m","buckets":{"s":{"max_keys":3}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.FromJSON(data)
		if err != nil {
			return
		}
		// The decoder replaces invalid UTF-8, so c's strings are valid.
		checkDecoded(t, c, true)
	})
}

func FuzzFromYAML(f *testing.F) {
	f.Add([]byte("default_ttl: 5m\nbuckets:\n  s: {max_keys: 3}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.FromYAML(data)
		if err != nil {
			return
		}
		// Escapes in quoted scalars can spell invalid UTF-8.
		checkDecoded(t, c, utf8.Valid(data) && !bytes.ContainsRune(data, '\\'))
	})
}

// FuzzFromEnv takes an environment as lines.
func FuzzFromEnv(f *testing.F) {
	f.Add("LIVEDICT_MAX_KEYS=5\nLIVEDICT_BUCKET_S_DEFAULT_TTL=1m")
	f.Fuzz(func(t *testing.T, env string) {
		var c config.Config
		err := config.ApplyEnvOptions(&c, strings.Split(env, "\n"), config.EnvOptions{Warn: func(f config.FieldError) {
			if len(f.Error()) > 300 {
				t.Fatalf("warning of %d bytes", len(f.Error()))
			}
		}})
		if err != nil {
			return
		}
		checkDecoded(t, c, utf8.ValidString(env))
	})
}
