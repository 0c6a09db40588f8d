package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// FromYAML decodes a configuration from one YAML document. Unknown
// fields, repeated keys, values of the wrong type, a bad duration, several
// documents and an empty input are errors matching ErrInvalidConfig, with
// their line; a *ValidationError names each bad field by its path.
// FromYAML does not call Validate: a configuration may be completed by
// ApplyEnv first.
//
// Its time and memory are linear in the size of the input, whatever the
// input: the document is parsed to a node tree, which is then decoded in
// one pass (see yamlDecoder), and aliases cannot make that pass more than
// a few times as long as a document without them.
func FromYAML(data []byte) (c Config, err error) {
	if len(data) > MaxInputSize {
		return Config{}, fmt.Errorf("%w: yaml: larger than %d bytes", ErrInvalidConfig, MaxInputSize)
	}
	defer func() {
		// The parser is not ours; whatever it does with hostile input,
		// the caller gets an error.
		if r := recover(); r != nil {
			c, err = Config{}, fmt.Errorf("%w: yaml: the parser failed on this input", ErrInvalidConfig)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	// Decoding into a Node only parses: none of yaml's decoding runs, so
	// none of its checks that are quadratic in the size of a mapping.
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("%w: yaml: empty input", ErrInvalidConfig)
		}
		return Config{}, fmt.Errorf("%w: %w", ErrInvalidConfig, syntaxError(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%w: yaml: more than one document", ErrInvalidConfig)
	}
	d := yamlDecoder{budget: yamlBudget}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.value("", root, reflect.ValueOf(&c).Elem())
	if err := d.fe.err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// quotedInError is what yaml's parser quotes in its errors: an anchor's
// name, which may be anything.
var quotedInError = regexp.MustCompile(`'[^']*'`)

// syntaxError returns the parser's error with what it quotes cut as quote
// does, and the message cut to a few hundred bytes.
func syntaxError(err error) error {
	msg := quotedInError.ReplaceAllStringFunc(err.Error(), func(q string) string {
		return quote(q[1 : len(q)-1])
	})
	return &hiddenError{msg: cutText(msg, 200), err: err}
}

// yamlBudget bounds the work of decoding one document: each node visited
// costs one, plus the length of its value. A document without aliases
// costs at most about twice its size; aliases can make the decoder visit a
// node many times, and a document that would cost more than this is
// refused rather than decoded in unbounded time.
const yamlBudget = 4 * MaxInputSize

// yamlDecoder decodes a yaml.Node tree into a Config. It walks the tree
// and the Config's type together, as FromJSON's check for unknown fields
// does, so that it can report every unknown field with its path and find
// repeated keys with a set, in time linear in the size of the tree; it
// hands only scalars to yaml's own decoder, so that their meaning (tags,
// integers, booleans, Duration.UnmarshalYAML) is yaml's.
type yamlDecoder struct {
	fe     fieldErrors
	budget int
	// stop is set by an error that ends decoding: a repeated key, a budget
	// spent, a merge of a mapping into itself.
	stop bool
	// merging holds the mappings being merged, so that a mapping merged
	// into itself is an error rather than an endless loop.
	merging map[*yaml.Node]bool
}

// fatal records an error that ends decoding.
func (d *yamlDecoder) fatal(path, format string, args ...any) {
	d.fe.add(path, format, args...)
	d.stop = true
}

// visit resolves an alias and spends the budget for the node; nil means
// decoding must stop.
func (d *yamlDecoder) visit(path string, n *yaml.Node) *yaml.Node {
	for range 2 {
		if n == nil || n.Kind != yaml.AliasNode {
			break
		}
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		d.fatal(pathOrRoot(path), "an alias that names no value")
		return nil
	}
	d.budget -= 1 + len(n.Value)
	if d.budget < 0 {
		d.fatal(pathOrRoot(path), "line %d: the document expands beyond %d bytes through its aliases", n.Line, yamlBudget)
		return nil
	}
	return n
}

func pathOrRoot(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	}
	return "a scalar"
}

// value decodes n into v, which the field at path is.
func (d *yamlDecoder) value(path string, n *yaml.Node, v reflect.Value) {
	if d.stop {
		return
	}
	if n = d.visit(path, n); n == nil {
		return
	}
	t := v.Type()
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() != reflect.Struct && t.Kind() != reflect.Map && t.Kind() != reflect.Slice && t.Kind() != reflect.Pointer {
		d.scalar(path, n, v)
		return
	}
	if isNull(n) {
		v.SetZero()
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.value(path, n, v.Elem())
	case reflect.Struct, reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fe.add(pathOrRoot(path), "line %d: want a mapping, got %s", n.Line, kindName(n))
			return
		}
		d.mapping(path, n, v, map[string]int{})
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fe.add(pathOrRoot(path), "line %d: want a sequence, got %s", n.Line, kindName(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, e := range n.Content {
			d.value(fmt.Sprintf("%s[%d]", path, i), e, s.Index(i))
		}
		v.Set(s)
	}
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// scalar decodes a scalar with yaml's decoder. Its errors are replaced:
// they can quote the whole value, which may be a secret.
func (d *yamlDecoder) scalar(path string, n *yaml.Node, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		if v.Type() == reflect.TypeFor[Duration]() {
			d.fe.add(path, "line %d: a duration must be a string such as \"5m\", got %s", n.Line, kindName(n))
			return
		}
		d.fe.add(path, "line %d: want %s, got %s", n.Line, typeName(v.Type()), kindName(n))
		return
	}
	p := reflect.New(v.Type())
	if err := n.Decode(p.Interface()); err != nil {
		if v.Type() == reflect.TypeFor[Duration]() {
			if _, perr := parseDuration(n.Value); perr != nil {
				d.fe.add(path, "line %d: %v", n.Line, perr)
				return
			}
		}
		d.fe.add(path, "line %d: want %s, got %s", n.Line, typeName(v.Type()), quoteAt(path, n.Value))
		return
	}
	v.Set(p.Elem())
}

// typeName names the type a scalar field wants, for messages.
func typeName(t reflect.Type) string {
	if t == reflect.TypeFor[Duration]() {
		return "a duration such as \"5m\""
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	case reflect.Uint32:
		return "an integer from 0 to 4294967295"
	case reflect.String:
		return "a string"
	}
	return t.String()
}

// mapping decodes the mapping n into v, a struct or a map. seen holds the
// keys set so far, with their line: an explicit key that is already there
// is a repeated key, which ends decoding at once (so that the error names
// it once, however often it repeats); a merged key (<<) that is already
// there is skipped, since explicit keys and earlier merges win.
func (d *yamlDecoder) mapping(path string, n *yaml.Node, v reflect.Value, seen map[string]int) {
	var merges []*yaml.Node
	var fields map[string]int
	if v.Kind() == reflect.Struct {
		fields = yamlFields(v.Type())
	} else if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	for i := 0; i+1 < len(n.Content) && !d.stop; i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn = d.visit(path, kn); kn == nil {
			return
		}
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		key, ok := d.key(path, kn)
		if !ok {
			continue
		}
		if line, dup := seen[key]; dup {
			d.fatal(childPath(path, key, fields != nil), "line %d: key repeated (first at line %d)", kn.Line, line)
			return
		}
		seen[key] = kn.Line
		d.entry(path, key, kn, vn, v, fields)
	}
	for _, m := range merges {
		d.merge(path, m, v, seen)
	}
}

// merge applies the value of a merge key (<<): a mapping, or a sequence of
// mappings, whose keys not set yet are set.
func (d *yamlDecoder) merge(path string, m *yaml.Node, v reflect.Value, seen map[string]int) {
	if m = d.visit(path, m); m == nil {
		return
	}
	sources := []*yaml.Node{m}
	if m.Kind == yaml.SequenceNode {
		sources = m.Content
	}
	for _, src := range sources {
		if d.stop {
			return
		}
		if src = d.visit(path, src); src == nil {
			return
		}
		if src.Kind != yaml.MappingNode {
			d.fe.add(pathOrRoot(path), "line %d: a merge (<<) takes a mapping or a sequence of mappings, got %s", src.Line, kindName(src))
			continue
		}
		if d.merging[src] {
			d.fatal(pathOrRoot(path), "line %d: a mapping merged into itself", src.Line)
			return
		}
		if d.merging == nil {
			d.merging = map[*yaml.Node]bool{}
		}
		d.merging[src] = true
		d.mergeMapping(path, src, v, seen)
		delete(d.merging, src)
	}
}

// mergeMapping sets the keys of src that seen does not hold. Keys repeated
// within src are errors, as in any mapping.
func (d *yamlDecoder) mergeMapping(path string, src *yaml.Node, v reflect.Value, seen map[string]int) {
	own := map[string]int{}
	var fields map[string]int
	if v.Kind() == reflect.Struct {
		fields = yamlFields(v.Type())
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(src.Content) && !d.stop; i += 2 {
		kn, vn := src.Content[i], src.Content[i+1]
		if kn = d.visit(path, kn); kn == nil {
			return
		}
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			merges = append(merges, vn)
			continue
		}
		key, ok := d.key(path, kn)
		if !ok {
			continue
		}
		if line, dup := own[key]; dup {
			d.fatal(childPath(path, key, fields != nil), "line %d: key repeated (first at line %d)", kn.Line, line)
			return
		}
		own[key] = kn.Line
		if _, set := seen[key]; set {
			continue
		}
		seen[key] = kn.Line
		d.entry(path, key, kn, vn, v, fields)
	}
	for _, m := range merges {
		d.merge(path, m, v, seen)
	}
}

// key decodes a mapping key as a string.
func (d *yamlDecoder) key(path string, kn *yaml.Node) (string, bool) {
	if kn.Kind != yaml.ScalarNode {
		d.fe.add(pathOrRoot(path), "line %d: a key must be a string, got %s", kn.Line, kindName(kn))
		return "", false
	}
	if kn.ShortTag() == "!!str" {
		return kn.Value, true
	}
	var s string
	if err := kn.Decode(&s); err != nil {
		d.fe.add(pathOrRoot(path), "line %d: a key must be a string", kn.Line)
		return "", false
	}
	return s, true
}

// entry decodes the value of key in the mapping at parent: a field of a
// struct (fields non-nil) or an entry of a map.
func (d *yamlDecoder) entry(parent, key string, kn, vn *yaml.Node, v reflect.Value, fields map[string]int) {
	path := childPath(parent, key, fields != nil)
	if fields == nil {
		e := reflect.New(v.Type().Elem()).Elem()
		d.value(path, vn, e)
		v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), e)
		return
	}
	i, ok := fields[key]
	if !ok {
		d.fe.add(path, "line %d: unknown field%s", kn.Line, suggestField(key, maps.Keys(fields)))
		return
	}
	d.value(path, vn, v.Field(i))
}

// childPath is the path of key in the struct or map at path. A field
// name is cut as showName does: only an unknown one can be long.
func childPath(path, key string, isStruct bool) string {
	switch {
	case !isStruct:
		return mapPath(path, key)
	case path == "":
		return showName(key)
	}
	return path + "." + showName(key)
}

// yamlFieldCache maps each struct type to its fields by YAML name.
var yamlFieldCache sync.Map

// yamlFields maps the YAML names of t's fields to their indexes.
func yamlFields(t reflect.Type) map[string]int {
	if m, ok := yamlFieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "-" && name != "" {
			m[name] = i
		}
	}
	yamlFieldCache.Store(t, m)
	return m
}
