package main

import (
	"os"
	"strings"
	"testing"
)

// TestMain makes the test binary an instance when run re-executes it, as
// the program's own binary is when run from go run.
func TestMain(m *testing.M) {
	if os.Getenv(envRole) != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRun runs the whole example: a redis-server, two instance processes,
// and B sees A's logout once its invalidation arrived.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"A: alice logged in",
		"B: session of alice: alice [admin] (read from Redis)",
		"B: session of alice: alice [admin] (read from ", // near cache, or Redis if the lease lapsed under load
		"A: alice logged out",
		"B: invalidation received",
		"B: session of alice: none (read from Redis)",
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != len(want) {
		t.Fatalf("output:\n%s", out.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Fatalf("line %d = %q, want %q...; output:\n%s", i+1, got[i], want[i], out.String())
		}
	}
}
