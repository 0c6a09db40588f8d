package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The defaults Effective writes out. They are those livedict.Options,
// livedict.Persist, layer.Compress and layer.Breaker apply to a zero field;
// docs/configuration.md lists them, and a test keeps the two in step.
const (
	defaultName          = "livedict"
	defaultQueueSize     = 65536
	defaultFlushInterval = Duration(100e6) // 100ms
	defaultBlockTimeout  = Duration(1e9)   // 1s
	defaultRetries       = 5
	defaultRetryBackoff  = Duration(100e6) // 100ms
	defaultPersistTO     = Duration(5e9)   // 5s
	defaultMinSize       = 256
	defaultBreakerTO     = Duration(1e9) // 1s
	defaultFailures      = 5
	defaultCooldown      = Duration(5e9) // 5s
	minAutoShards        = 16
	maxAutoShards        = 256
)

// Effective returns c with every default written out: the settings a
// store opened from c runs with. Zero and empty fields take the value
// they stand for (policy "reject", name "livedict", queue_size 65536...);
// default_ttl 0 becomes "never"; shards 0 becomes the count New picks on
// this machine (4×GOMAXPROCS in [16, 256], lowered with policy "evict" so
// that each shard holds at least 16 keys); a bucket's zero default_ttl
// becomes the store's and its "default" persistence the store's mode
// ("none" without persist); compression.min_size is filled only when
// values are compressed. Absent sections stay absent: no persist
// section means memory only, no breaker means none. Effective does not
// validate c and never reads a key; c is not changed.
func Effective(c Config) Config {
	c = c.clone()
	if c.DefaultTTL == 0 {
		c.DefaultTTL = Never
	}
	if c.Shards == 0 {
		c.Shards = autoShards()
	}
	if c.Policy == "" {
		c.Policy = PolicyReject
	}
	if c.Policy == PolicyEvict {
		for c.Shards > 1 && c.MaxKeys/c.Shards < 16 {
			c.Shards /= 2
		}
	}
	if c.Name == "" {
		c.Name = defaultName
	}
	mode := PersistNone
	if p := c.Persist; p != nil {
		fill(&p.Codec, CodecMsgpack)
		fill(&p.Mode, PersistWriteBehind)
		mode = p.Mode
		fill(&p.QueueSize, defaultQueueSize)
		fill(&p.FlushInterval, defaultFlushInterval)
		fill(&p.WhenFull, WhenFullBlock)
		fill(&p.BlockTimeout, defaultBlockTimeout)
		fill(&p.Retries, defaultRetries)
		fill(&p.RetryBackoff, defaultRetryBackoff)
		fill(&p.Timeout, defaultPersistTO)
		fill(&p.Compression.Algorithm, CompressionNone)
		if p.Compression.Algorithm != CompressionNone {
			// With nothing compressed, min_size must stay unset.
			fill(&p.Compression.MinSize, defaultMinSize)
		}
		if e := &p.Encryption; !e.Plaintext {
			fill(&e.Algorithm, AlgorithmAES256GCM)
			if e.Primary == 0 && len(e.Keys) == 1 {
				e.Primary = e.Keys[0].ID
			}
		}
		if b := p.Breaker; b != nil {
			fill(&b.Timeout, defaultBreakerTO)
			fill(&b.Failures, defaultFailures)
			fill(&b.Cooldown, defaultCooldown)
		}
	}
	for name, b := range c.Buckets {
		fill(&b.DefaultTTL, c.DefaultTTL)
		if b.Persistence == "" || b.Persistence == PersistDefault {
			b.Persistence = mode
		}
		c.Buckets[name] = b
	}
	return c
}

// autoShards is the shard count livedict.New picks for Shards 0.
func autoShards() int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) {
		n <<= 1
	}
	return min(max(n, minAutoShards), maxAutoShards)
}

func fill[T comparable](field *T, def T) {
	var zero T
	if *field == zero {
		*field = def
	}
}

// The formats Preview writes.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
)

// ErrUnknownFormat is matched by the error Preview returns for a format
// other than FormatYAML and FormatJSON.
var ErrUnknownFormat = errors.New("config: unknown preview format")

// Preview writes the effective configuration of c (see [Effective]) to w
// as YAML or JSON (format "yaml" or "json"), every field included, with
// secrets redacted: the password of persist.backend, and every inline key
// (value) as "[redacted]". Key sources show their reference (env: the
// variable's name, file: the path), except a name or path that could
// itself be key material (the rule error messages follow), which is
// "[redacted]" too. No byte of key material is written, ever. A preview
// without redactions loads back with FromYAML or FromJSON. Preview does
// not validate c: call Validate first to report mistakes.
func Preview(w io.Writer, c Config, format string) error {
	n := previewNode(reflect.ValueOf(redactForPreview(Effective(c))))
	var buf bytes.Buffer
	switch format {
	case FormatYAML:
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(n); err != nil {
			return fmt.Errorf("config: preview: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("config: preview: %w", err)
		}
	case FormatJSON:
		writeJSON(&buf, n, "")
		buf.WriteByte('\n')
	default:
		return fmt.Errorf("%w %s (want yaml or json)", ErrUnknownFormat, quote(format))
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// redactForPreview replaces what Preview must not show.
func redactForPreview(c Config) Config {
	p := c.Persist
	if p == nil {
		return c
	}
	p.Backend = redactedURL(p.Backend)
	e := &p.Encryption
	for i := range e.Keys {
		k := &e.Keys[i]
		k.Env, k.File, k.Value = redactSource(k.Env, k.File, k.Value)
	}
	n := &e.NameKey
	n.Env, n.File, n.Value = redactSource(n.Env, n.File, n.Value)
	return c
}

func redactSource(env, file string, value Secret) (string, string, Secret) {
	if env != "" && !shownEnvName(env) {
		env = redacted
	}
	if file != "" && !shownFilePath(file) {
		file = redacted
	}
	if value != "" {
		value = redacted
	}
	return env, file, value
}

// redactedURL hides the password of a backend URL; an unparsable one is
// not shown at all, since it may be anything.
func redactedURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	if _, has := u.User.Password(); !has {
		return raw
	}
	return u.Redacted()
}

// previewNode renders v as a YAML node with every field of every struct,
// in declaration order, named as in JSON, except the empty alternatives
// of a key source (env, file, value: one is set). Map keys are sorted. A nil
// pointer is null: an absent section.
func previewNode(v reflect.Value) *yaml.Node {
	if m, ok := v.Interface().(interface{ MarshalText() ([]byte, error) }); ok && v.Kind() != reflect.Pointer {
		b, _ := m.MarshalText()
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: string(b)}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return previewNode(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		source := t == reflect.TypeFor[KeySource]() || t == reflect.TypeFor[KeyRef]()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if source && v.Field(i).Kind() == reflect.String && v.Field(i).String() == "" {
				continue // a key source shows the one reference it has
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, previewNode(v.Field(i)))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.String()}, previewNode(v.MapIndex(k)))
		}
		return n
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			n.Content = append(n.Content, previewNode(v.Index(i)))
		}
		return n
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}
	}
	// Strings, Secret included: Secret's String and Format redact, but its
	// value here has already been replaced when it held anything.
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.String()}
}

// writeJSON writes n as indented JSON, keys in n's order.
func writeJSON(buf *bytes.Buffer, n *yaml.Node, indent string) {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		open, close, step := "{", "}", 2
		if n.Kind == yaml.SequenceNode {
			open, close, step = "[", "]", 1
		}
		if len(n.Content) == 0 {
			buf.WriteString(open + close)
			return
		}
		buf.WriteString(open)
		inner := indent + "  "
		for i := 0; i < len(n.Content); i += step {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString("\n" + inner)
			if step == 2 {
				writeJSONString(buf, n.Content[i].Value)
				buf.WriteString(": ")
			}
			writeJSON(buf, n.Content[i+step-1], inner)
		}
		buf.WriteString("\n" + indent + close)
	default:
		switch n.Tag {
		case "!!null", "!!bool", "!!int":
			buf.WriteString(n.Value)
		default:
			writeJSONString(buf, n.Value)
		}
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}
