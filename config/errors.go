package config

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrInvalidConfig is matched by every error a loader or Validate
	// returns for a configuration that cannot be used: bad syntax, an
	// unknown field or environment variable, a value of the wrong type or
	// out of range.
	ErrInvalidConfig = errors.New("config: invalid configuration")
	// ErrUnknownPreset is matched by the error Preset returns for a name
	// it does not know.
	ErrUnknownPreset = errors.New("config: unknown preset")
)

// FieldError is one bad field.
type FieldError struct {
	// Path names the field as written in JSON and YAML, such as
	// "buckets.sessions.max_keys" or "persist.encryption.keys[1].env",
	// or the environment variable, such as "LIVEDICT_MAX_KEYS".
	Path string
	// Msg says what is wrong, such as "must be >= 0, got -1".
	Msg string
}

// Error returns "config: <path>: <msg>".
func (e FieldError) Error() string { return "config: " + e.Path + ": " + e.Msg }

// ValidationError lists every bad field of a configuration. It matches
// ErrInvalidConfig.
type ValidationError struct {
	Errors []FieldError
}

// Error lists the bad fields one per line, each as FieldError.Error.
func (e *ValidationError) Error() string {
	if len(e.Errors) == 0 {
		return ErrInvalidConfig.Error()
	}
	var b strings.Builder
	for i, f := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalidConfig.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidConfig }

// fieldErrors collects FieldErrors.
type fieldErrors []FieldError

func (fe *fieldErrors) add(path, format string, args ...any) {
	*fe = append(*fe, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was collected, else a *ValidationError.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &ValidationError{Errors: fe}
}
