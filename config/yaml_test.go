package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/livedict/livedict/config"
	"go.yaml.in/yaml/v3"
)

// repeated returns a YAML document that repeats line n times after head.
func repeated(head, line string, n int) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	for range n {
		b.WriteString(line)
	}
	return b.Bytes()
}

// maxErrorSize bounds every error of a loader: MaxFieldErrors lines of a
// few hundred bytes at most.
const maxErrorSize = config.MaxFieldErrors * 300

// TestFromYAMLRepeatedKeys feeds documents that repeat a key 50,000
// times (yaml.v3's own check for that is quadratic: 4,000 repeats took
// 5.5 s and built a 459 MB error). Each is refused, with an error that
// names the first repeated key once.
func TestFromYAMLRepeatedKeys(t *testing.T) {
	const n = 50000
	for _, tc := range []struct {
		name string
		in   []byte
		path string
	}{
		{"top level", repeated("", "max_keys: 1\n", n), "max_keys"},
		{"short lines", repeated("", "a: 1\n", n), "a"},
		{"unknown field", repeated("", "x: 1\n", n), "x"},
		{"bucket names", repeated("buckets:\n", "  b: {}\n", n), "buckets.b"},
		{"bucket field", repeated("buckets:\n  b:\n", "    max_keys: 1\n", n), "buckets.b.max_keys"},
		{"flow mapping", append(repeated("{", "a: 1, ", n), "a: 1}\n"...), "a"},
		{"key field", repeated("persist:\n  encryption:\n    keys:\n      - id: 1\n", "        env: K\n", n), "persist.encryption.keys[0].env"},
		{"inside a merge", append([]byte("base: &b\n"), repeated("", "  shards: 1\n", n)...), "base"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.in) > config.MaxInputSize {
				t.Fatalf("input of %d bytes is over MaxInputSize", len(tc.in))
			}
			_, err := config.FromYAML(tc.in)
			if !errors.Is(err, config.ErrInvalidConfig) {
				t.Fatalf("error %v does not match ErrInvalidConfig", err)
			}
			msg := err.Error()
			if len(msg) > maxErrorSize {
				t.Fatalf("error of %d bytes", len(msg))
			}
			if strings.Count(msg, "repeated") != 1 && tc.name != "inside a merge" {
				t.Errorf("error does not name the repeated key exactly once:\n%s", msg)
			}
			mustContain(t, err, tc.path)
		})
	}
}

// TestFromYAMLMergeRepeatedKey checks a key repeated inside a merged
// mapping: the merge is decoded, so the repeat is found there.
func TestFromYAMLMergeRepeatedKey(t *testing.T) {
	in := "buckets:\n  a: &b\n    max_keys: 1\n  c:\n    <<: *b\n    persistence: none\nshards: 2\n<<: {shards: 4, shards: 8}\n"
	_, err := config.FromYAML([]byte(in))
	mustContain(t, err, "config: shards: line 8: key repeated (first at line 8)")
}

// TestFromYAMLMerge pins what merges (<<) do: explicit keys win over
// merged ones, and earlier merges over later ones.
func TestFromYAMLMerge(t *testing.T) {
	in := "buckets:\n  d: &d {max_keys: 5, persistence: none}\n  o: &o {max_keys: 7, default_ttl: 1m}\n" +
		"  a: {<<: [*d, *o], max_keys: 9}\n  b: {<<: *o}\n"
	c, err := config.FromYAML([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]config.Bucket{
		"d": {MaxKeys: 5, Persistence: "none"},
		"o": {MaxKeys: 7, DefaultTTL: d(60e9)},
		"a": {MaxKeys: 9, Persistence: "none", DefaultTTL: d(60e9)},
		"b": {MaxKeys: 7, DefaultTTL: d(60e9)},
	}
	if d := diff(config.Config{Buckets: want}, c); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	// And what yaml.v3 itself decodes is the same.
	var y config.Config
	if err := yaml.Unmarshal([]byte(in), &y); err != nil {
		t.Fatal(err)
	}
	if d := diff(y, c); d != "" {
		t.Errorf("FromYAML and yaml.Unmarshal differ (-yaml +FromYAML):\n%s", d)
	}
}

// TestFromYAMLManyBuckets loads the largest legitimate mapping a
// configuration has: tens of thousands of distinct buckets, which
// yaml.v3's quadratic check would compare pairwise.
func TestFromYAMLManyBuckets(t *testing.T) {
	var b strings.Builder
	b.WriteString("buckets:\n")
	const n = 60000
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {}\n", i)
	}
	c, err := config.FromYAML([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Buckets) != n {
		t.Errorf("%d buckets, want %d", len(c.Buckets), n)
	}
}

// TestFromYAMLBoundedErrors checks inputs full of mistakes: the error
// lists MaxFieldErrors of them and counts the rest.
func TestFromYAMLBoundedErrors(t *testing.T) {
	var b strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&b, "x%d: 1\n", i)
	}
	_, err := config.FromYAML([]byte(b.String()))
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *ValidationError", err)
	}
	if len(ve.Errors) != config.MaxFieldErrors || ve.Omitted != 40000-config.MaxFieldErrors {
		t.Errorf("%d errors listed and %d omitted", len(ve.Errors), ve.Omitted)
	}
	if len(err.Error()) > maxErrorSize {
		t.Errorf("error of %d bytes", len(err.Error()))
	}
	mustContain(t, err, fmt.Sprintf("and %d more bad fields", ve.Omitted))
}

// TestFromYAMLAliases checks documents whose aliases multiply the work:
// each is decoded or refused, never expanded without bound.
func TestFromYAMLAliases(t *testing.T) {
	long := strings.Repeat("0", 500000)
	var many strings.Builder
	many.WriteString("buckets:\n  a: &a {persistence: \"" + long + "\"}\n")
	for i := range 20000 {
		fmt.Fprintf(&many, "  b%d: *a\n", i)
	}
	var laughs strings.Builder
	laughs.WriteString("buckets:\n  a: &a {max_keys: 1}\n")
	for i := range 50000 {
		fmt.Fprintf(&laughs, "  c%d: {<<: [*a, *a, *a, *a, *a, *a]}\n", i)
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"long value aliased", many.String(), "expands beyond"},
		{"long duration aliased", "buckets:\n  a: &a {default_ttl: \"" + long + "s\"}\n  b: *a\n", "invalid duration"},
		{"merge of itself", "buckets:\n  a: &a {<<: *a}\n", "merged into itself"},
		{"self merge in a sequence", "buckets:\n  a: &a\n    max_keys: 1\n    <<: [*a]\n", "merged into itself"},
		{"merges", laughs.String()[:min(laughs.Len(), config.MaxInputSize)], ""},
		{"laughs", "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\n", "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.FromYAML([]byte(tc.in))
			if err == nil {
				return
			}
			if !errors.Is(err, config.ErrInvalidConfig) {
				t.Fatalf("error %v does not match ErrInvalidConfig", err)
			}
			if len(err.Error()) > maxErrorSize {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			if tc.want != "" {
				mustContain(t, err, tc.want)
			}
		})
	}
}

// yamlInputs are the documents the benchmarks decode, by number of keys.
func yamlInputs(n int) map[string][]byte {
	var distinct bytes.Buffer
	distinct.WriteString("buckets:\n")
	for i := range n {
		fmt.Fprintf(&distinct, "  b%d: {}\n", i)
	}
	return map[string][]byte{
		"repeated": repeated("", "a: 1\n", n),
		"buckets":  distinct.Bytes(),
	}
}

// BenchmarkFromYAML decodes n repeated keys, and n distinct buckets, with
// FromYAML: its time grows linearly with n.
func BenchmarkFromYAML(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		for name, in := range yamlInputs(n) {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					_, _ = config.FromYAML(in)
				}
			})
		}
	}
}

// BenchmarkYAMLv3Decode decodes the same documents with yaml.v3's own
// Decoder, what FromYAML did before: its time grows with n², so n stays
// small here.
func BenchmarkYAMLv3Decode(b *testing.B) {
	for _, n := range []int{250, 500, 1000, 2000} {
		for name, in := range yamlInputs(n) {
			b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) {
				b.SetBytes(int64(len(in)))
				b.ReportAllocs()
				for b.Loop() {
					var c config.Config
					dec := yaml.NewDecoder(bytes.NewReader(in))
					dec.KnownFields(true)
					_ = dec.Decode(&c)
				}
			})
		}
	}
}

// TestFromYAMLSyntaxErrorsQuoteLittle checks the parser's own errors,
// which quote an unknown anchor's name in full: they are cut as every
// other quoted value.
func TestFromYAMLSyntaxErrorsQuoteLittle(t *testing.T) {
	const key = "5e0c1a9d7b3f28e4c6a0d9f1b2e8c7a3945f6d0e1c2b3a4f5e6d7c8b9a0f1e2d"
	for _, in := range []string{
		"a: *" + key + "\n",
		"a: *" + strings.Repeat("y", 500000) + "\n",
		"max_keys: !!float " + key + "\n",
		"persist: {encryption: {primary: !!int " + key + "}}\n",
	} {
		_, err := config.FromYAML([]byte(in))
		if !errors.Is(err, config.ErrInvalidConfig) {
			t.Fatalf("error %v does not match ErrInvalidConfig", err)
		}
		if msg := err.Error(); strings.Contains(msg, key[:9]) || strings.Contains(msg, "yyyyyyyyy") || len(msg) > 300 {
			t.Errorf("error quotes too much: %.300s", msg)
		}
	}
}

// TestFromYAMLAgreesWithYAMLv3 decodes the seed corpus of FuzzFromYAML
// with FromYAML and with yaml.v3's Decoder (what FromYAML used before it
// walked the node tree itself): where both accept an input they give the
// same Config, and one accepts what the other accepts. The exceptions
// are FromYAML's own rules: a second document is refused. Inputs are kept
// small, since yaml.v3's check of repeated keys is quadratic.
func TestFromYAMLAgreesWithYAMLv3(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzFromYAML/*")
	if err != nil || len(files) < 20 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, lit, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		in, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(in) > 8<<10 || filepath.Base(f) == "two_docs" {
			continue
		}
		var v3 config.Config
		dec := yaml.NewDecoder(strings.NewReader(in))
		dec.KnownFields(true)
		errV3 := dec.Decode(&v3)
		c, err := config.FromYAML([]byte(in))
		switch {
		case (errV3 == nil) != (err == nil):
			t.Errorf("%s: yaml.v3: %v; FromYAML: %v", filepath.Base(f), errV3, err)
		case err == nil:
			if d := diff(v3, c); d != "" {
				t.Errorf("%s: (-yaml.v3 +FromYAML):\n%s", filepath.Base(f), d)
			}
		}
	}
}
