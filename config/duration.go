package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as a Go duration string: "300ms",
// "30s", "5m", "1h30m". "never" is -1ns, livedict.NoExpiry, accepted
// where a field says so. Bare numbers are refused, even 300, since their
// unit would be a guess; "0" and "0s" are zero.
type Duration time.Duration

// Never is the Duration written "never".
const Never = Duration(-1)

// String returns the duration as time.Duration.String does, or "never".
func (d Duration) String() string {
	if d == Never {
		return "never"
	}
	return time.Duration(d).String()
}

// MarshalText returns String's text; JSON and YAML use it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a Go duration string or "never".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML parses a scalar as UnmarshalText does, and reports the
// line of a bad one.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a duration must be a string such as \"5m\"", n.Line)}}
	}
	if n.Tag == "!!null" {
		return nil
	}
	v, err := parseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*d = v
	return nil
}

// maxDurationText bounds the text parseDuration reads: no duration a
// configuration needs is longer, and a longer one is refused before
// time.ParseDuration walks it.
const maxDurationText = 64

func parseDuration(s string) (Duration, error) {
	if s == "never" {
		return Never, nil
	}
	if len(s) > maxDurationText {
		return 0, fmt.Errorf("invalid duration %s: want a Go duration such as \"30s\", \"5m\" or \"1h30m\"", quote(s))
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %s: want a Go duration such as \"30s\", \"5m\" or \"1h30m\"", quote(s))
	}
	return Duration(v), nil
}
