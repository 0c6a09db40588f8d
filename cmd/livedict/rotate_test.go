//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/livedict/livedict/config"
)

// fill imports n records into the default bucket and m into "sessions".
func fill(t *testing.T, ts testStore, n, m int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"bucket":"","key":"k%05d","value":{"i":%d},"expire_at":null}`+"\n", i, i)
	}
	for i := range m {
		fmt.Fprintf(&b, `{"bucket":"sessions","key":"s%d","value":"v%d","expire_at":"2999-01-01T00:00:00Z"}`+"\n", i, i)
	}
	if r := cli(t, b.String(), ts.with("import")...); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
}

// A rotation of 10,000 records killed with SIGKILL halfway is finished by
// running the same command again: every record then opens and is sealed
// under the new key, and the old key can be retired.
func TestRotateKilledAndResumed(t *testing.T) {
	ctx := deadline(t)
	const n, m = 10000, 20
	ts := newStore(t, "--preset", "bucketed") // declares "sessions" (and "cache")
	fill(t, ts, n, m)
	newKey := filepath.Join(ts.dir, "key-2")
	args := ts.with("rotate-key", "--new-key-file", newKey, "--generate")

	// The child shows progress on its stderr (a pipe, so plain lines) and
	// stalls once it has resealed 1000 records, until it is killed.
	cmd := child(t, ts.dir, args...)
	cmd.Env = append(cmd.Env, stallEnv+"=1000")
	stall, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progressLines := make(chan string)
	go func() {
		defer close(progressLines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case progressLines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	var seen []string
	for {
		select {
		case l, open := <-progressLines:
			if !open {
				t.Fatalf("rotate-key ended before resealing 1000 records: %q (%v)", seen, cmd.Wait())
			}
			seen = append(seen, l)
			var done, total int
			if _, err := fmt.Sscanf(l, "rotate-key: resealed %d of %d records", &done, &total); err != nil || total != n+m {
				t.Fatalf("progress line %q, want resealed N of %d records", l, n+m)
			}
			if done < 1000 {
				continue
			}
		case <-ctx.Done():
			t.Fatalf("no progress line past 1000: %q", seen)
		}
		break
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child: %v, want killed", err)
	}
	for range progressLines {
	}

	// Killed midway: the configuration names key 2 as primary, and
	// records are under both keys.
	c, err := config.LoadFile(ts.config)
	if err != nil {
		t.Fatal(err)
	}
	if e := c.Persist.Encryption; e.Primary != 2 || len(e.Keys) != 2 || e.Keys[1].File != newKey {
		t.Fatalf("saved keyring: %+v", e)
	}
	ids := ts.keyIDs(t, "")
	for id, k := range ts.keyIDs(t, "sessions") {
		ids[id] += k
	}
	if ids[1] == 0 || ids[2] < 1000 || ids[1]+ids[2] != n+m {
		t.Fatalf("after the kill: key ids %v, want both in use, %d in all", ids, n+m)
	}
	// The old key cannot be retired yet.
	cli(t, "", ts.with("rotate-key", "--retire", "1")...).wantError(t, exitRuntime, "rotate-key",
		fmt.Sprintf("%d records are still sealed under key id 1", ids[1]))

	// The same command again resumes: it does not make another key.
	out := ok(t, args...)
	if !strings.Contains(out, "key id 2 (file "+newKey+") is already the primary key; resuming") ||
		!strings.Contains(out, fmt.Sprintf("resealed %d records under key id 2", ids[1])) {
		t.Fatalf("resume printed %q", out)
	}
	for _, b := range []string{"", "sessions"} {
		if ids := ts.keyIDs(t, b); len(ids) != 1 || ids[2] == 0 {
			t.Fatalf("bucket %q after resume: key ids %v", b, ids)
		}
	}
	checkAll := func() {
		t.Helper()
		exported := lines(ok(t, ts.with("export")...))
		if len(exported) != n+m {
			t.Fatalf("export has %d records, want %d", len(exported), n+m)
		}
		for _, l := range exported {
			p, err := parseLine([]byte(l), "string", false)
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if p.bucket == "" {
				i, _ := strconv.Atoi(strings.TrimPrefix(p.key, "k"))
				want = map[string]any{"i": int64(i)}
			} else {
				want = "v" + strings.TrimPrefix(p.key, "s")
			}
			if fmt.Sprint(p.value) != fmt.Sprint(want) {
				t.Fatalf("%q/%q = %v, want %v", p.bucket, p.key, p.value, want)
			}
		}
	}

	// Retire the old key: the configuration loses it, and everything
	// still opens with the new key alone.
	out = ok(t, ts.with("rotate-key", "--retire", "1")...)
	if !strings.Contains(out, "retired key id 1") {
		t.Fatalf("retire printed %q", out)
	}
	c, err = config.LoadFile(ts.config)
	if err != nil {
		t.Fatal(err)
	}
	if e := c.Persist.Encryption; e.Primary != 2 || len(e.Keys) != 1 || e.Keys[0].ID != 2 {
		t.Fatalf("keyring after retire: %+v", e)
	}
	checkAll()
	if got := ok(t, ts.with("get", "k04242")...); got != `{"i":4242}`+"\n" {
		t.Fatalf("get after retire = %q", got)
	}
}

func TestRotateRules(t *testing.T) {
	ts := newStore(t)
	ok(t, ts.with("set", "a", "1")...)
	ok(t, ts.with("set", "--bucket", "extra", "b", "2")...) // a bucket the configuration does not declare

	// The primary key cannot be retired, nor an unknown one.
	cli(t, "", ts.with("rotate-key", "--retire", "1")...).wantError(t, exitRuntime, "rotate-key", "is the primary key")
	cli(t, "", ts.with("rotate-key", "--retire", "9")...).wantError(t, exitUsage, "rotate-key", "no key id 9")

	// A key from the environment, with a chosen id; buckets named with
	// --bucket are resealed too.
	t.Setenv("NEW_KEY", strings.Repeat("ab", 32))
	out := ok(t, ts.with("rotate-key", "--new-key-env", "NEW_KEY", "--id", "7", "--bucket", "extra")...)
	if !strings.Contains(out, "added key id 7") || !strings.Contains(out, "resealed 2 records under key id 7") {
		t.Fatalf("rotate printed %q", out)
	}
	if ids := ts.keyIDs(t, "extra"); ids[7] != 1 {
		t.Fatalf("bucket extra: %v", ids)
	}
	// The same key again is not a new key, and an id in use is refused.
	cli(t, "", ts.with("rotate-key", "--new-key-file", filepath.Join(ts.dir, "key-1"))...).
		wantError(t, exitRuntime, "rotate-key", "is key id 1 of the keyring but the primary key is 7")
	t.Setenv("SAME_KEY", strings.Repeat("ab", 32))
	cli(t, "", ts.with("rotate-key", "--new-key-env", "SAME_KEY")...).
		wantError(t, exitRuntime, "rotate-key", "the same key as key id 7")
	t.Setenv("OTHER_KEY", strings.Repeat("cd", 32))
	cli(t, "", ts.with("rotate-key", "--new-key-env", "OTHER_KEY", "--id", "1")...).
		wantError(t, exitUsage, "rotate-key", "key id 1 is in use")
	// --generate never overwrites a file that is not in the keyring.
	cli(t, "", ts.with("rotate-key", "--new-key-file", filepath.Join(ts.dir, "livedict.yaml"), "--generate")...).
		wantError(t, exitRuntime, "rotate-key", "exists but is not in the keyring")

	// --resume with nothing to do, then retire; a keyring from the
	// environment is refused.
	if out := ok(t, ts.with("rotate-key", "--resume", "--bucket", "extra")...); !strings.Contains(out, "resealed 0 records") {
		t.Fatalf("resume printed %q", out)
	}
	ok(t, ts.with("rotate-key", "--retire", "1", "--bucket", "extra")...)
	if got := ok(t, ts.with("get", "--bucket", "extra", "b")...); got != "2\n" {
		t.Fatalf("get = %q", got)
	}
	t.Setenv("LIVEDICT_KEYS", "1=env:NEW_KEY")
	cli(t, "", ts.with("rotate-key", "--resume")...).wantError(t, exitConfig, "rotate-key", "LIVEDICT_KEYS is set")
	os.Unsetenv("LIVEDICT_KEYS")
}
