package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Values written by one run are read by the next: every run opens the
// store afresh, with an empty memory, so what it reads comes from SQLite,
// opened with the key files.
func TestGetSetDelKeysStats(t *testing.T) {
	ts := newStore(t)
	lx := func(args ...string) string { t.Helper(); return ok(t, ts.with(args...)...) }

	lx("set", "greeting", "hello")
	lx("set", "doc", `{"name":"Ada","n":42,"f":2.5,"tags":["a","b"],"nested":{"ok":true,"nil":null}}`)
	lx("set", "number", "7")
	lx("set", "quoted", "7", "--string")
	lx("set", "--bucket", "sessions", "user:1", `"tok"`, "--ttl", "1h")
	lx("set", "neg", "-1")
	lx("set", "dash", "--", "-x")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "greeting"}, `"hello"`},
		{[]string{"get", "doc"}, `{"f":2.5,"n":42,"name":"Ada","nested":{"nil":null,"ok":true},"tags":["a","b"]}`},
		{[]string{"get", "number"}, `7`},
		{[]string{"get", "quoted"}, `"7"`},
		{[]string{"get", "neg"}, `-1`},
		{[]string{"get", "dash"}, `"-x"`},
		{[]string{"get", "--bucket", "sessions", "user:1"}, `"tok"`},
	} {
		if got := lx(tc.args...); got != tc.want+"\n" {
			t.Errorf("%v = %q, want %q", tc.args, got, tc.want)
		}
	}
	// Buckets are isolated.
	cli(t, "", ts.with("get", "user:1")...).wantError(t, exitNotFound, "get", `key "user:1" has no live value in bucket ""`)

	if got := lines(lx("keys")); !slices.Equal(got, []string{"dash", "doc", "greeting", "neg", "number", "quoted"}) {
		t.Errorf("keys = %q", got)
	}
	if got := lines(lx("keys", "--bucket", "sessions")); !slices.Equal(got, []string{"user:1"}) {
		t.Errorf("keys --bucket sessions = %q", got)
	}

	if got := lx("del", "greeting"); got != "deleted\n" {
		t.Errorf("del = %q", got)
	}
	if got := lx("del", "greeting"); got != "not found\n" {
		t.Errorf("second del = %q", got)
	}
	cli(t, "", ts.with("get", "greeting")...).wantError(t, exitNotFound, "get", "greeting")

	stats := lx("stats", "--bucket", "sessions")
	var rows []string
	for _, l := range lines(stats) {
		rows = append(rows, strings.Join(strings.Fields(l), " "))
	}
	for _, want := range []string{"ping ok", "encryption aes-256-gcm, primary key id 1, key ids 1",
		`"" true 5 id 1: 5`, `"sessions" true 1 id 1: 1`, "total 6"} {
		if !slices.ContainsFunc(rows, func(r string) bool { return strings.HasPrefix(r, want) }) {
			t.Errorf("stats lacks %q:\n%s", want, stats)
		}
	}
}

// A value set with a TTL keeps it in the backend, and a TTL that has
// passed makes the key missing. Each exported expiry must lie between the
// times read just before and just after its set, plus the TTL (less one
// millisecond at the low end: a backend may keep expiries to the
// millisecond, rounded down); no assertion depends on how long anything
// took.
func TestSetTTL(t *testing.T) {
	ts := newStore(t)
	type window struct{ lo, hi time.Time }
	want := map[string]*window{"forever": nil}
	set := func(key, value string, ttl time.Duration, args ...string) {
		t.Helper()
		before := time.Now()
		ok(t, ts.with(append([]string{"set", key, value}, args...)...)...)
		want[key] = &window{before.Add(ttl - time.Millisecond), time.Now().Add(ttl)}
	}
	ok(t, ts.with("set", "short", "1", "--ttl", "1ms")...)
	set("long", "2", time.Hour, "--ttl", "1h")
	ok(t, ts.with("set", "forever", "3", "--ttl", "never")...)
	set("default", "4", 10*time.Minute) // durable_sql: 10m
	// Wait for the short TTL by the wall clock the backend checks, without
	// sleeping a fixed time: each get is a new run. The deadline only turns
	// a hang into a failure.
	end := time.Now().Add(time.Minute)
	for cli(t, "", ts.with("get", "short")...).code != exitNotFound {
		if time.Now().After(end) {
			t.Fatal("a 1ms TTL has not expired after a minute")
		}
	}
	out := ok(t, ts.with("export")...)
	got := map[string]time.Time{}
	for _, l := range lines(out) {
		p, err := parseLine([]byte(l), "string", false)
		if err != nil {
			t.Fatal(err)
		}
		got[p.key] = p.expireAt
	}
	if len(got) != len(want) {
		t.Fatalf("exported %v, want the keys of %v", got, want)
	}
	for k, w := range want {
		exp, found := got[k]
		switch {
		case !found:
			t.Errorf("%s was not exported", k)
		case w == nil && !exp.IsZero():
			t.Errorf("%s expires at %v, want never", k, exp)
		case w != nil && (exp.Before(w.lo) || exp.After(w.hi)):
			t.Errorf("%s expires at %v, want between %v and %v", k, exp, w.lo, w.hi)
		}
	}
}

// With --key-type int, keys are 64-bit integers as codec.KeyFor[int64]
// encodes them: "007" and "7" are one key, and keys sort numerically.
func TestIntKeys(t *testing.T) {
	ts := newStore(t)
	for _, k := range []string{"10", "-3", "007", "9"} {
		ok(t, ts.with("--key-type", "int", "set", k, `"v`+k+`"`)...)
	}
	if got := ok(t, ts.with("--key-type", "int", "get", "7")...); got != `"v007"`+"\n" {
		t.Fatalf("get 7 = %q", got)
	}
	if got := lines(ok(t, ts.with("--key-type", "int", "keys")...)); !slices.Equal(got, []string{"-3", "7", "9", "10"}) {
		t.Fatalf("keys = %q", got)
	}
	// Read with string keys, "10" is another key: the two bytes "10",
	// not the eight of the integer.
	cli(t, "", ts.with("get", "10")...).wantError(t, exitNotFound, "get", "10")
}

// Keys that cannot be printed as they are come out as JSON strings.
func TestKeysQuoting(t *testing.T) {
	ts := newStore(t)
	ok(t, ts.with("set", "--", "a\nb", "1")...)
	ok(t, ts.with("set", " padded", "1")...)
	ok(t, ts.with("set", "plain", "1")...)
	got := lines(ok(t, ts.with("keys")...))
	if !slices.Equal(got, []string{`" padded"`, `"a\nb"`, "plain"}) {
		t.Fatalf("keys = %q", got)
	}
}

// Every run is a new process too: a value set in process is read by a
// child process, which exits 4 for a missing key.
func TestGetInChildProcess(t *testing.T) {
	ts := newStore(t)
	ok(t, ts.with("set", "k", `{"a":1}`)...)
	out, err := child(t, ts.dir, ts.with("get", "k")...).Output()
	if err != nil || string(out) != `{"a":1}`+"\n" {
		t.Fatalf("child get: %q, %v", out, err)
	}
	cmd := child(t, ts.dir, ts.with("get", "missing")...)
	out, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitNotFound || !strings.HasPrefix(string(out), "livedict: get: ") {
		t.Fatalf("child get missing: exit %d, %q", cmd.ProcessState.ExitCode(), out)
	}
}

// bench prints its table and leaves nothing in the store.
func TestBench(t *testing.T) {
	ts := newStore(t)
	r := cli(t, "", ts.with("bench", "--n", "2000", "--backend-n", "50")...)
	if r.code != 0 {
		t.Fatalf("bench: %+v", r)
	}
	for _, want := range []string{"memory set", "memory get", "backend put", "backend get", "backend delete"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench output lacks %q:\n%s", want, r.stdout)
		}
	}
	var bucket string
	if _, err := fmt.Sscanf(r.stderr, "bench: the backend run used bucket %q", &bucket); err != nil || !strings.HasPrefix(bucket, "livedict-bench-") {
		t.Fatalf("bench stderr %q: %v", r.stderr, err)
	}
	if left := ts.rawScan(t, bucket); len(left) != 0 {
		t.Fatalf("bench left %d records in %s", len(left), bucket)
	}
	// Without a configuration it measures memory only.
	r = cli(t, "", "--config", filepath.Join(t.TempDir(), "none.yaml"), "bench", "--n", "100")
	if r.code != 0 || !strings.Contains(r.stdout, "memory get") || strings.Contains(r.stdout, "backend") {
		t.Fatalf("bench without config: %+v", r)
	}
}
