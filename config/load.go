package config

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
)

// MaxInputSize bounds the configuration FromJSON, FromYAML and LoadFile
// read: 1 MiB, far more than any configuration needs, so that a wrong file
// cannot make a loader allocate without bound.
const MaxInputSize = 1 << 20

// FromJSON decodes a configuration from JSON. Unknown fields (names are
// case-sensitive), values of the wrong type, a bad duration, several
// values and an empty input are errors matching ErrInvalidConfig; unknown
// fields are all reported, each with its path. FromJSON does not call
// Validate: a configuration may be completed by ApplyEnv first.
func FromJSON(data []byte) (Config, error) {
	if len(data) > MaxInputSize {
		return Config{}, fmt.Errorf("%w: json: larger than %d bytes", ErrInvalidConfig, MaxInputSize)
	}
	// The first pass checks syntax and finds every unknown field with its
	// path, which json.Decoder does not give.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := decodeOneJSON(dec, &tree); err != nil {
		return Config{}, jsonError(data, err)
	}
	var fe fieldErrors
	unknownFields(&fe, "", reflect.TypeFor[Config](), tree)
	if err := fe.err(); err != nil {
		return Config{}, err
	}
	var c Config
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, jsonError(data, err)
	}
	return c, nil
}

// decodeOneJSON decodes the single value the input must hold.
func decodeOneJSON(dec *json.Decoder, v any) error {
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty input")
		}
		return err
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("data after the configuration")
	}
	return nil
}

// jsonError wraps a decoding error, with the line and column of its offset
// when it has one.
func jsonError(data []byte, err error) error {
	prefix := "json: "
	if strings.HasPrefix(err.Error(), prefix) {
		prefix = ""
	}
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		// Its own message quotes a number in full: say only what kind
		// of value it was.
		kind, _, _ := strings.Cut(te.Value, " ")
		err = fmt.Errorf("json: cannot unmarshal %s into %s of type %v", kind, cmp.Or(te.Field, "the configuration"), te.Type)
	}
	if off >= 0 && off <= int64(len(data)) {
		line, col := position(data[:off])
		return fmt.Errorf("%w: line %d, column %d: %s%w", ErrInvalidConfig, line, col, prefix, err)
	}
	return fmt.Errorf("%w: %s%w", ErrInvalidConfig, prefix, err)
}

// position returns the line and column of the last byte of before: the
// decoder's offsets count the byte it stopped at.
func position(before []byte) (line, col int) {
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = max(len(before)-bytes.LastIndexByte(before, '\n')-1, 1)
	return line, col
}

// unknownFields reports the names in v, a decoded JSON value, that type t
// has no field for. Values of the wrong shape are left to the decoder.
func unknownFields(fe *fieldErrors, path string, t reflect.Type, v any) {
	switch t.Kind() {
	case reflect.Pointer:
		unknownFields(fe, path, t.Elem(), v)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := childPath(path, k, true)
			ft, ok := fields[k]
			if !ok {
				fe.add(p, "unknown field%s", suggestField(k, maps.Keys(fields)))
				continue
			}
			unknownFields(fe, p, ft, m[k])
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			unknownFields(fe, mapPath(path, k), t.Elem(), m[k])
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range s {
			unknownFields(fe, fmt.Sprintf("%s[%d]", path, i), t.Elem(), e)
		}
	}
}

// mapPath is the path of key in the map at path.
func mapPath(path, key string) string {
	if path == "buckets" {
		return bucketPath(key)
	}
	return path + "[" + quoteName(key) + "]"
}

// jsonFields maps the JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "-" && name != "" {
			m[name] = f.Type
		}
	}
	return m
}

// LoadFile reads the configuration in the file at path: JSON for a .json
// file, YAML for .yaml and .yml (in any case). Errors name the file; those
// about its content, and a path that is not a regular file (a FIFO, a
// device, a directory), match ErrInvalidConfig. LoadFile does not call
// Validate.
func LoadFile(path string) (Config, error) {
	var parse func([]byte) (Config, error)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		parse = FromJSON
	case ".yaml", ".yml":
		parse = FromYAML
	default:
		return Config{}, fmt.Errorf("%w: %s: unknown file type %s (want .json, .yaml or .yml)", ErrInvalidConfig, path, quote(ext))
	}
	// A FIFO or a device would block the open or never end: only a
	// regular file is opened.
	if fi, err := os.Stat(path); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	} else if !fi.Mode().IsRegular() {
		return Config{}, fmt.Errorf("%w: %s: not a regular file", ErrInvalidConfig, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxInputSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("config: read %s: %w", path, err)
	}
	c, err := parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
