package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// persistAll is a configuration with every section present and every
// field left at its default.
func persistAll() Config {
	return Config{
		Buckets: map[string]Bucket{"b": {}},
		Persist: &Persist{
			Backend: "mem://",
			Encryption: Encryption{
				Keys:    []KeyRef{{ID: 7, Env: "LIVEDICT_KEY"}},
				NameKey: KeySource{File: "/run/secrets/name.key"},
			},
			Breaker: &Breaker{},
		},
	}
}

func TestEffectiveFillsDefaults(t *testing.T) {
	got := Effective(persistAll())
	want := Config{
		DefaultTTL: Never,
		Shards:     autoShards(),
		Policy:     PolicyReject,
		Name:       "livedict",
		Buckets:    map[string]Bucket{"b": {DefaultTTL: Never, Persistence: PersistWriteBehind}},
		Persist: &Persist{
			Backend: "mem://",
			Encryption: Encryption{
				Keys:      []KeyRef{{ID: 7, Env: "LIVEDICT_KEY"}},
				Primary:   7,
				Algorithm: AlgorithmAES256GCM,
				NameKey:   KeySource{File: "/run/secrets/name.key"},
			},
			Compression:   Compression{Algorithm: CompressionNone},
			Codec:         CodecMsgpack,
			Mode:          PersistWriteBehind,
			QueueSize:     65536,
			FlushInterval: Duration(100e6),
			WhenFull:      WhenFullBlock,
			BlockTimeout:  Duration(1e9),
			Retries:       5,
			RetryBackoff:  Duration(100e6),
			Timeout:       Duration(5e9),
			Breaker:       &Breaker{Timeout: Duration(1e9), Failures: 5, Cooldown: Duration(5e9)},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Effective (-want +got):\n%s", d)
	}
	if err := got.Validate(); err != nil {
		t.Fatalf("the effective configuration does not validate: %v", err)
	}
	// What is set is kept, and the input is not changed.
	c := persistAll()
	c.Persist.QueueSize = 10
	c.Buckets["b"] = Bucket{DefaultTTL: Duration(3e9), Persistence: PersistNone}
	e := Effective(c)
	if e.Persist.QueueSize != 10 || e.Buckets["b"] != (Bucket{DefaultTTL: Duration(3e9), Persistence: PersistNone}) {
		t.Fatalf("Effective replaced set values: %+v %+v", e.Persist, e.Buckets)
	}
	if c.Persist.Codec != "" || c.Buckets["b"].DefaultTTL != Duration(3e9) || c.Persist.Breaker.Failures != 0 {
		t.Fatal("Effective changed its argument")
	}
	// Memory only: buckets do not persist, and no section appears.
	m := Effective(Config{DefaultTTL: Duration(6e10), Policy: PolicyEvict, MaxKeys: 100, Buckets: map[string]Bucket{"x": {}}})
	if m.Persist != nil || m.Buckets["x"] != (Bucket{DefaultTTL: Duration(6e10), Persistence: PersistNone}) || m.Shards != 4 {
		t.Fatalf("memory-only Effective = %+v (shards %d, want 4: 100 keys, 16 a shard)", m, m.Shards)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Every preset's effective configuration is valid.
func TestEffectivePresetsValidate(t *testing.T) {
	for _, name := range []string{"simple", "bucketed", "durable_sql", "hybrid_cache_db"} {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		e := Effective(c)
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// decodeTree parses a preview into a generic tree.
func decodeTree(t *testing.T, format string, out []byte) map[string]any {
	t.Helper()
	var tree map[string]any
	var err error
	if format == FormatJSON {
		err = json.Unmarshal(out, &tree)
	} else {
		err = yaml.Unmarshal(out, &tree)
	}
	if err != nil {
		t.Fatalf("%s preview does not parse: %v\n%s", format, err, out)
	}
	return tree
}

// lookupPath finds a leaf path as leafPaths writes it in tree.
func lookupPath(tree map[string]any, path string) (any, bool) {
	path = strings.ReplaceAll(strings.ReplaceAll(path, ".<name>", ".b"), "[]", ".[]")
	var cur any = tree
	for _, p := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[p]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if p != "[]" || len(node) == 0 {
				return nil, false
			}
			cur = node[0]
		default:
			return nil, false
		}
	}
	return cur, true
}

func preview(t *testing.T, c Config, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Preview(&buf, c, format); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// emptySource lists the key source fields persistAll leaves empty: a key
// source shows only the reference it has.
var emptySource = map[string]bool{
	"persist.encryption.keys[].value": true, "persist.encryption.name_key.env": true, "persist.encryption.name_key.value": true,
}

// Every field of Config appears in both formats, defaults included.
func TestPreviewShowsEveryField(t *testing.T) {
	c := persistAll()
	c.Persist.Encryption.Keys[0].File = "/k" // so that keys[].file has a value too
	c.Persist.Compression.Algorithm = CompressionS2
	for _, format := range []string{FormatYAML, FormatJSON} {
		tree := decodeTree(t, format, preview(t, c, format))
		for _, p := range leafPaths("", reflect.TypeFor[Config]()) {
			if _, ok := lookupPath(tree, p); !ok && !emptySource[p] {
				t.Errorf("%s preview has no %s", format, p)
			}
		}
		for path, want := range map[string]any{
			"policy": "reject", "name": "livedict", "default_ttl": "never", "require_bucket": false,
			"persist.queue_size": 65536, "persist.flush_interval": "100ms", "persist.retries": 5,
			"persist.breaker.cooldown": "5s", "persist.compression.min_size": 256,
			"buckets.<name>.persistence": "write-behind", "persist.encryption.primary": 7,
		} {
			got, _ := lookupPath(tree, path)
			if f, ok := got.(float64); ok { // JSON numbers
				got = int(f)
			}
			if got != want {
				t.Errorf("%s preview: %s = %#v, want %#v", format, path, got, want)
			}
		}
	}
	// Memory only: persist is shown, as null.
	tree := decodeTree(t, FormatJSON, preview(t, Config{}, FormatJSON))
	if v, ok := tree["persist"]; !ok || v != nil {
		t.Errorf("memory-only preview: persist = %v (present %v), want null", v, ok)
	}
}

// A preview with nothing to redact loads back as the effective
// configuration.
func TestPreviewLoadsBack(t *testing.T) {
	c := persistAll()
	c.Buckets["sessions"] = Bucket{MaxKeys: 3}
	for format, load := range map[string]func([]byte) (Config, error){FormatYAML: FromYAML, FormatJSON: FromJSON} {
		got, err := load(preview(t, c, format))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if d := cmp.Diff(Effective(c), got); d != "" {
			t.Errorf("%s preview loaded back (-effective +loaded):\n%s", format, d)
		}
	}
}

func TestPreviewRedactsSecrets(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(0xa0 + i)
	}
	hexKey := hex.EncodeToString(key)
	b64Key := base64.StdEncoding.EncodeToString(key)
	c := persistAll()
	p := c.Persist
	p.Backend = "redis://user:hunter2-password@127.0.0.1:6379/0"
	p.Encryption.AllowInlineSecrets = true
	p.Encryption.Keys = []KeyRef{
		{ID: 1, Env: "LIVEDICT_KEY"},
		{ID: 2, File: "/run/secrets/old.key"},
		{ID: 3, Value: Secret(hexKey)},
		{ID: 4, Env: strings.ToUpper(hexKey)}, // a key pasted as a variable's name
		{ID: 5, File: b64Key},                 // and as a file's
	}
	p.Encryption.Primary = 1
	p.Encryption.NameKey = KeySource{Value: Secret(b64Key)}
	for _, format := range []string{FormatYAML, FormatJSON} {
		out := string(preview(t, c, format))
		for _, secret := range []string{hexKey, strings.ToUpper(hexKey), b64Key, hexKey[:16], strings.ToUpper(hexKey[:16]), b64Key[:16], "hunter2"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s preview shows %q:\n%s", format, secret, out)
			}
		}
		for _, ref := range []string{"LIVEDICT_KEY", "/run/secrets/old.key", "redis://user:xxxxx@127.0.0.1:6379/0", "[redacted]"} {
			if !strings.Contains(out, ref) {
				t.Errorf("%s preview does not show %q:\n%s", format, ref, out)
			}
		}
		tree := decodeTree(t, format, []byte(out))
		keys, _ := lookupPath(tree, "persist.encryption.keys")
		if ks, _ := keys.([]any); len(ks) != 5 || ks[2].(map[string]any)["value"] != "[redacted]" ||
			ks[3].(map[string]any)["env"] != "[redacted]" || ks[4].(map[string]any)["file"] != "[redacted]" {
			t.Errorf("%s preview keys = %v", format, keys)
		}
	}
	// An unparsable URL is not shown at all.
	c.Persist.Backend = "redis://u:hunter2@[::1"
	if out := string(preview(t, c, FormatYAML)); strings.Contains(out, "hunter2") || !strings.Contains(out, "[unparsable URL]") {
		t.Errorf("unparsable backend URL shown:\n%s", out)
	}
}

func TestPreviewUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := Preview(&buf, Config{}, "toml"); !errors.Is(err, ErrUnknownFormat) || buf.Len() != 0 {
		t.Fatalf("Preview(toml) = %v, wrote %d bytes; want ErrUnknownFormat and nothing", err, buf.Len())
	}
}

// The defaults Effective writes are the ones docs/configuration.md states.
func TestEffectiveMatchesDocDefaults(t *testing.T) {
	doc := readDoc(t)
	c := persistAll()
	c.Persist.Compression.Algorithm = CompressionS2 // so that min_size has its default
	tree := decodeTree(t, FormatJSON, preview(t, c, FormatJSON))
	row := regexp.MustCompile("(?m)^\\| `([a-z_.<>\\[\\]]+)`[^|]*\\|[^|]*\\| ([^|]+) \\|")
	checked := 0
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		path, cell := m[1], strings.TrimSpace(m[2])
		// "`0`: 65536", "`0`: 256 bytes", "`block`", "`false`".
		want := cell
		if v, ok := strings.CutPrefix(cell, "`0`: "); ok {
			want = strings.TrimSuffix(v, " bytes")
		} else if v, ok := strings.CutPrefix(cell, "`"); ok && strings.HasSuffix(v, "`") {
			want = strings.TrimSuffix(v, "`")
		} else {
			continue
		}
		if strings.ContainsAny(want, " ×`") || path == "persist.compression.algorithm" {
			continue // prose ("no bound", "4×GOMAXPROCS in [16, 256]"), or set by this test
		}
		got, ok := lookupPath(tree, path)
		if !ok {
			t.Errorf("the preview has no %s", path)
			continue
		}
		if f, ok := got.(float64); ok {
			got = strconv.FormatFloat(f, 'f', -1, 64)
		}
		if s := fmt.Sprint(got); s != want && !(want == "0" && (s == "never" || s == "0s")) {
			t.Errorf("%s: docs say the default is %q, Effective gives %q", path, want, s)
		}
		checked++
	}
	if checked < 15 {
		t.Fatalf("checked only %d defaults against the docs", checked)
	}
}
