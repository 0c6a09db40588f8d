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

// MaxFieldErrors bounds the bad fields a *ValidationError lists: a
// hostile or badly broken input must not build an error of unbounded size.
// Fields past it are counted in ValidationError.Omitted.
const MaxFieldErrors = 50

// ValidationError lists the bad fields of a configuration, at most
// MaxFieldErrors of them. It matches ErrInvalidConfig.
type ValidationError struct {
	Errors []FieldError
	// Omitted counts the bad fields found past MaxFieldErrors, which are
	// not listed.
	Omitted int
}

// Error lists the bad fields one per line, each as FieldError.Error, and
// then how many were left out, if any.
func (e *ValidationError) Error() string {
	if len(e.Errors) == 0 && e.Omitted == 0 {
		return ErrInvalidConfig.Error()
	}
	var b strings.Builder
	for i, f := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Error())
	}
	if e.Omitted > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "config: and %d more bad fields", e.Omitted)
	}
	return b.String()
}

// Is reports whether target is ErrInvalidConfig.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidConfig }

// fieldErrors collects FieldErrors, keeping MaxFieldErrors of them.
type fieldErrors struct {
	list    []FieldError
	omitted int
}

func (fe *fieldErrors) add(path, format string, args ...any) {
	if len(fe.list) >= MaxFieldErrors {
		fe.omitted++
		return
	}
	fe.list = append(fe.list, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// found reports whether something was collected.
func (fe *fieldErrors) found() bool { return len(fe.list) > 0 || fe.omitted > 0 }

// err returns nil when nothing was collected, else a *ValidationError.
func (fe *fieldErrors) err() error {
	if !fe.found() {
		return nil
	}
	return &ValidationError{Errors: fe.list, Omitted: fe.omitted}
}
