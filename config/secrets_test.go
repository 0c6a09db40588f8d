package config

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// pastedKey is a key written where a setting belongs: 64 hex digits.
const pastedKey = "5e0c1a9d7b3f28e4c6a0d9f1b2e8c7a3945f6d0e1c2b3a4f5e6d7c8b9a0f1e2d"

// checkQuoted fails when msg shows more of pastedKey than an error may:
// maxQuoted bytes of a setting, nothing of a field that may hold a secret.
func checkQuoted(t *testing.T, what string, secret bool, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	limit := maxQuoted + 1
	if secret {
		limit = 4
	}
	if strings.Contains(msg, pastedKey[:limit]) {
		t.Errorf("%s: the error shows %d or more bytes of the key:\n%s", what, limit, msg)
	}
}

// baseTree is a valid, encrypted configuration as a JSON tree, into which
// the tests write the key, one field at a time.
func baseTree() map[string]any {
	return map[string]any{
		"buckets": map[string]any{"b": map[string]any{}},
		"persist": map[string]any{
			"backend": "mem://",
			"encryption": map[string]any{
				"keys":     []any{map[string]any{"id": 1, "env": "LIVEDICT_TEST_PASTED_KEY"}},
				"name_key": map[string]any{"env": "LIVEDICT_TEST_PASTED_NAME_KEY"},
			},
			"breaker":     map[string]any{},
			"compression": map[string]any{"algorithm": "s2"},
		},
	}
}

// setPath sets the leaf at path (as leafPaths writes it: <name> for a map
// key, [] for the first element) in tree to v.
func setPath(tree map[string]any, path string, v any) {
	parts := strings.Split(strings.ReplaceAll(strings.ReplaceAll(path, ".<name>", ".b"), "[]", ".[]"), ".")
	var cur any = tree
	for i, p := range parts {
		last := i == len(parts)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				node[p] = v
				return
			}
			next, ok := node[p]
			if !ok {
				next = map[string]any{}
				if parts[i+1] == "[]" {
					next = []any{map[string]any{}}
				}
				node[p] = next
			}
			cur = next
		case []any:
			cur = node[0]
		}
	}
}

// loadAll runs a configuration through every step after a loader:
// Validate, then Options, which reads keys and opens the backend.
func loadAll(t *testing.T, c Config) []error {
	errs := []error{c.Validate()}
	if errs[0] == nil {
		o, err := Options[string, int](context.Background(), c)
		if err == nil {
			o.Persist.Backend.Close()
		}
		errs = append(errs, err)
	}
	return errs
}

// TestErrorsQuoteLittle writes a key into every field of a
// configuration, through every loader (JSON, YAML, environment, builder),
// and checks every error along the way: none shows more than maxQuoted
// bytes of it, and none shows anything of it for a field that may hold a
// secret.
func TestErrorsQuoteLittle(t *testing.T) {
	t.Setenv("LIVEDICT_TEST_PASTED_KEY", strings.Repeat("ab", 32))
	t.Setenv("LIVEDICT_TEST_PASTED_NAME_KEY", strings.Repeat("cd", 32))
	paths := leafPaths("", reflect.TypeFor[Config]())
	for _, p := range paths {
		field := strings.ReplaceAll(strings.ReplaceAll(p, ".<name>", ".b"), "[]", "[0]")
		secret := secretPath(field)
		tree := baseTree()
		setPath(tree, p, pastedKey)
		j, err := json.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		c, err := FromJSON(j)
		checkQuoted(t, "FromJSON "+p, secret, err)
		if err == nil {
			for _, err := range loadAll(t, c) {
				checkQuoted(t, "FromJSON then Options "+p, secret, err)
			}
		}
		y, err := yaml.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		c, err = FromYAML(y)
		checkQuoted(t, "FromYAML "+p, secret, err)
		if err == nil {
			for _, err := range loadAll(t, c) {
				checkQuoted(t, "FromYAML then Options "+p, secret, err)
			}
		}
	}
	// A key given as a number, where JSON and YAML would take one.
	for _, in := range []string{`{"max_keys":` + strings.Repeat("9", 64) + `}`, `{"persist":{"encryption":{"primary":` + strings.Repeat("9", 64) + `}}}`} {
		_, err := FromJSON([]byte(in))
		if err == nil || strings.Contains(err.Error(), strings.Repeat("9", maxQuoted+1)) {
			t.Errorf("FromJSON(%s) = %v", in, err)
		}
		_, err = FromYAML([]byte(in))
		if err == nil || strings.Contains(err.Error(), strings.Repeat("9", maxQuoted+1)) {
			t.Errorf("FromYAML(%s) = %v", in, err)
		}
	}

	// The environment: every variable, bucket ones too, on top of the
	// same valid configuration.
	base, err := FromJSON(must(json.Marshal(baseTree())))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, v := range envVars {
		names = append(names, EnvPrefix+v.name)
	}
	for _, f := range bucketFields {
		names = append(names, EnvPrefix+bucketPrefix+"B"+f.suffix)
	}
	for _, name := range names {
		c := base.clone()
		var warned []FieldError
		err := ApplyEnvOptions(&c, []string{name + "=" + pastedKey}, EnvOptions{Warn: func(f FieldError) { warned = append(warned, f) }})
		secret := secretPath(name)
		checkQuoted(t, "ApplyEnv "+name, secret, err)
		if err == nil {
			for _, err := range loadAll(t, c) {
				checkQuoted(t, "ApplyEnv then Options "+name, secret, err)
			}
		}
		if len(warned) > 0 {
			t.Errorf("%s: warned %v", name, warned)
		}
	}
	// And LIVEDICT_KEYS naming the key as a variable or a file.
	for _, v := range []string{"1=env:" + pastedKey, "1=file:" + pastedKey, "1=" + pastedKey, pastedKey} {
		c := base.clone()
		err := ApplyEnv(&c, []string{"LIVEDICT_KEYS=" + v})
		checkQuoted(t, "LIVEDICT_KEYS="+v[:7], true, err)
		if err == nil {
			for _, err := range loadAll(t, c) {
				checkQuoted(t, "LIVEDICT_KEYS then Options", true, err)
			}
		}
	}

	// The builder: every method that takes text.
	for name, b := range map[string]*Builder{
		"Preset":              New().Preset(pastedKey),
		"Name":                From(base).Name(pastedKey),
		"Backend":             From(base).Backend(pastedKey),
		"Backend password":    From(base).Backend("mem://u:" + pastedKey + "@host/"),
		"KeyFromEnv":          From(base).KeyFromEnv(2, pastedKey).PrimaryKey(2),
		"KeyFromFile":         From(base).KeyFromFile(2, pastedKey).PrimaryKey(2),
		"NameKeyFromEnv":      From(base).NameKeyFromEnv(pastedKey),
		"NameKeyFromFile":     From(base).NameKeyFromFile(pastedKey),
		"EncryptionAlgorithm": From(base).EncryptionAlgorithm(pastedKey),
		"Compression":         From(base).Compression(pastedKey, 0),
		"Codec":               From(base).Codec(pastedKey),
		"Bucket persistence":  From(base).Bucket("b", Bucket{Persistence: pastedKey}),
	} {
		secret := strings.Contains(name, "Key") || strings.Contains(name, "Backend") || name == "EncryptionAlgorithm"
		c, err := b.Build()
		checkQuoted(t, "Build "+name, secret, err)
		if err == nil {
			for _, err := range loadAll(t, c) {
				checkQuoted(t, "Build then Options "+name, secret, err)
			}
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
