package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// parseValue reads a value given on the command line: JSON when it is a
// JSON value, else the text as a string.
func parseValue(s string) any {
	v, err := fromJSON([]byte(s))
	if err != nil {
		return s
	}
	return v
}

// fromJSON decodes exactly one JSON value. Numbers become int64 when they
// are integers that fit, float64 otherwise, so that an integer stays an
// integer in msgpack.
func fromJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one JSON value")
	}
	return numbers(v), nil
}

// numbers replaces the json.Numbers in v.
func numbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64() // the decoder checked the syntax; out of range is ±Inf
		return f
	case map[string]any:
		for k, e := range t {
			t[k] = numbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbers(e)
		}
	}
	return v
}

// toJSON encodes a decoded value as JSON. Maps with keys that are not
// strings get their keys printed; floats JSON cannot hold (NaN, ±Inf)
// become strings.
func toJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jsonable(v)); err != nil {
		return nil, fmt.Errorf("value cannot be shown as JSON: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// jsonable returns v with what encoding/json refuses replaced.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = jsonable(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = jsonable(e)
		}
		return s
	case float64:
		return floatJSON(t, 64)
	case float32:
		return floatJSON(float64(t), 32)
	}
	return v
}

// floatJSON writes a float so that it reads back as a float: 1.0, not 1,
// which fromJSON would take for an integer. NaN and ±Inf, which JSON
// cannot hold, become strings.
func floatJSON(f float64, bits int) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return json.Number(s)
}

// printable reports whether s can be printed on a line of its own as it
// is: valid UTF-8, no control characters, no surrounding space, no
// leading quote.
func printable(s string) bool {
	if s == "" || strings.TrimSpace(s) != s || s[0] == '"' {
		return false
	}
	for _, r := range s {
		if r == '\uFFFD' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
