package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// These tests keep docs/configuration.md in step with the code.

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leafPaths lists the JSON paths of t's fields that hold values, with
// <name> for map keys and [] for slice elements.
func leafPaths(prefix string, t reflect.Type) []string {
	switch t.Kind() {
	case reflect.Pointer:
		return leafPaths(prefix, t.Elem())
	case reflect.Map:
		return leafPaths(prefix+".<name>", t.Elem())
	case reflect.Slice:
		return leafPaths(prefix+"[]", t.Elem())
	case reflect.Struct:
		var ps []string
		for name, ft := range jsonFields(t) {
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			ps = append(ps, leafPaths(p, ft)...)
		}
		return ps
	}
	return []string{prefix}
}

func TestDocListsEveryField(t *testing.T) {
	doc := readDoc(t)
	paths := leafPaths("", reflect.TypeFor[Config]())
	if len(paths) < 30 {
		t.Fatalf("found only %d fields: %q", len(paths), paths)
	}
	for _, p := range paths {
		if !strings.Contains(doc, "| `"+p+"`") {
			t.Errorf("docs/configuration.md has no table row for %s", p)
		}
	}
}

func TestDocListsEveryVariable(t *testing.T) {
	doc := readDoc(t)
	names := []string{"LIVEDICT_KEY", "LIVEDICT_NAME_KEY", "LIVEDICT_KEY_<digits>"}
	for _, v := range envVars {
		names = append(names, EnvPrefix+v.name)
	}
	for _, f := range bucketFields {
		names = append(names, EnvPrefix+bucketPrefix+"<NAME>"+f.suffix)
	}
	for _, n := range names {
		if !strings.Contains(doc, "`"+n+"`") {
			t.Errorf("docs/configuration.md does not name %s", n)
		}
	}
	// Every variable sets the field its table row names.
	for _, v := range envVars {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(v.path) + "[`.\\[].*`" + EnvPrefix + v.name + "`")
		if !row.MatchString(doc) {
			t.Errorf("no table row pairs %s with %s", v.path, EnvPrefix+v.name)
		}
	}
}

// TestDocExamples decodes the YAML and JSON examples: both must be valid
// and describe the same configuration.
func TestDocExamples(t *testing.T) {
	doc := readDoc(t)
	blocks := func(lang string) []string {
		re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
		var out []string
		for _, m := range re.FindAllStringSubmatch(doc, -1) {
			out = append(out, m[1])
		}
		return out
	}
	ys, js := blocks("yaml"), blocks("json")
	if len(ys) < 1 || len(js) != 1 {
		t.Fatalf("found %d YAML and %d JSON examples", len(ys), len(js))
	}
	var configs []Config
	for _, y := range ys {
		c, err := FromYAML([]byte(y))
		if err != nil {
			t.Fatalf("YAML example: %v\n%s", err, y)
		}
		configs = append(configs, c)
	}
	j, err := FromJSON([]byte(js[0]))
	if err != nil {
		t.Fatalf("JSON example: %v", err)
	}
	for _, c := range append(configs, j) {
		if err := c.Validate(); err != nil {
			t.Errorf("example does not validate: %v", err)
		}
	}
	if d := cmp.Diff(configs[0], j, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("the YAML and JSON examples differ (-yaml +json):\n%s", d)
	}
}
