// Package ruletest holds what the conformance suites (store/storetest,
// layer/layertest) share: a *testing.T whose failures start with the
// plain-English rule the case checks, as testing/slogtest reports them.
package ruletest

import (
	"fmt"
	"testing"
)

// T is the *testing.T a named case runs with.
type T struct {
	*testing.T
	Rule string
}

// Errorf reports a broken rule and lets the case go on.
func (t *T) Errorf(format string, args ...any) {
	t.Helper()
	t.T.Errorf("%s: %s", t.Rule, fmt.Sprintf(format, args...))
}

// Fatalf reports a broken rule and ends the case.
func (t *T) Fatalf(format string, args ...any) {
	t.Helper()
	t.T.Fatalf("%s: %s", t.Rule, fmt.Sprintf(format, args...))
}
