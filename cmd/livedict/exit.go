package main

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Exit codes, documented in `livedict help` and docs/cli.md.
const (
	exitOK       = 0 // the command did what it was asked
	exitRuntime  = 1 // it failed while running: backend, I/O, data
	exitUsage    = 2 // the command line is wrong
	exitConfig   = 3 // the configuration is missing, invalid, or names keys that cannot be read
	exitNotFound = 4 // get: the key has no live value
	exitSkipped  = 5 // keys, export: done, but some records could not be read and were skipped
)

// errHelp is returned by a command that printed its usage because it was
// asked to: the exit code is 0.
var errHelp = errors.New("help requested")

// codedError carries the exit code of an error.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// usageErr reports a wrong command line (exit code 2).
func usageErr(format string, args ...any) error {
	return &codedError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// notFoundErr reports a key with no live value (exit code 4).
func notFoundErr(format string, args ...any) error {
	return &codedError{code: exitNotFound, err: fmt.Errorf(format, args...)}
}

// configErr marks err as a configuration error (exit code 3).
func configErr(err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: exitConfig, err: err}
}

// exitCode returns the exit code err stands for.
func exitCode(err error) int {
	var ce *codedError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	}
	return exitRuntime
}

// oneLine makes an error message fit one line: line breaks (a validation
// error lists one bad field per line) become "; ", and other control
// characters are dropped, so that a hostile key cannot forge output.
func oneLine(msg string) string {
	msg = strings.TrimSpace(msg)
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	msg = strings.ReplaceAll(msg, "\n", "; ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, msg)
}
