package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livedict/livedict/config"
)

// A snapshot of one store restored into a fresh store with the same keys
// gives the same records; --check writes nothing.
func TestSnapshotRestore(t *testing.T) {
	src := newStore(t)
	seed(t, src)
	buckets := []string{"--bucket", "", "--bucket", "sessions"}
	export := func(ts testStore) []string {
		t.Helper()
		return withoutExpiry(sorted(ok(t, ts.with(append([]string{"export"}, buckets...)...)...)))
	}
	want := export(src)
	file := filepath.Join(t.TempDir(), "app.snap")
	r := cli(t, "", src.with(append([]string{"snapshot", file}, buckets...)...)...)
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "wrote 6 records of 2 buckets") {
		t.Fatalf("snapshot: %+v", r)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot file: %v, %v", st, err)
	}
	data, _ := os.ReadFile(file)
	if s := heldSecret(data); s != "" {
		t.Errorf("the snapshot holds %q in clear", s)
	}

	dst := src.sameKeysStore(t)
	if out := ok(t, dst.with("restore", "--check", file)...); !strings.HasPrefix(out, "checked, nothing written: 6 records of 2 buckets") {
		t.Errorf("restore --check printed %q", out)
	}
	if got := ok(t, dst.with(append([]string{"export"}, buckets...)...)...); got != "" {
		t.Fatalf("restore --check wrote records:\n%s", got)
	}
	if out := ok(t, dst.with("restore", file)...); !strings.HasPrefix(out, "restored 6 records of 2 buckets (0 expired, 0 in other buckets, skipped)") {
		t.Errorf("restore printed %q", out)
	}
	if got := export(dst); !slices.Equal(got, want) {
		t.Errorf("restored store exports\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Only one bucket.
	one := src.sameKeysStore(t)
	if out := ok(t, one.with("restore", "--bucket", "sessions", file)...); !strings.HasPrefix(out, "restored 1 records of 2 buckets (0 expired, 5 in other buckets, skipped)") {
		t.Errorf("restore --bucket sessions printed %q", out)
	}
}

// withoutExpiry drops the expire_at of export lines: a restore sets the
// time left, so the deadline it gives is the recorded one plus the
// moments between reading the clock and the Set.
func withoutExpiry(ls []string) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		before, _, _ := strings.Cut(l, `,"expire_at":`)
		hasExpiry := !strings.HasSuffix(l, `"expire_at":null}`)
		out[i] = before + map[bool]string{true: " (expires)", false: " (no expiry)"}[hasExpiry]
	}
	return out
}

// A damaged or cut snapshot, or one restored with other keys, is refused
// and nothing is written.
func TestRestoreRefuses(t *testing.T) {
	src := newStore(t)
	seed(t, src)
	file := filepath.Join(t.TempDir(), "app.snap")
	ok(t, src.with("snapshot", "--bucket", "", "--bucket", "sessions", file)...)
	data, _ := os.ReadFile(file)
	bad := func(name string, b []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := slices.Clone(data)
	flipped[len(flipped)/2] ^= 4
	for _, tc := range []struct {
		name string
		dst  testStore
		file string
		code int
		want string
	}{
		{"truncated", src.sameKeysStore(t), bad("cut", data[:len(data)-10]), exitRuntime, "corrupt snapshot"},
		{"flipped bit", src.sameKeysStore(t), bad("flip", flipped), exitRuntime, "corrupt snapshot"},
		{"other keys", newStore(t), file, exitConfig, "wrong keys"},
		{"missing", src.sameKeysStore(t), filepath.Join(t.TempDir(), "none"), exitRuntime, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli(t, "", tc.dst.with("restore", tc.file)...).wantError(t, tc.code, "restore", tc.want)
			if got := ok(t, tc.dst.with("export", "--bucket", "", "--bucket", "sessions")...); got != "" {
				t.Errorf("a refused restore wrote records:\n%s", got)
			}
		})
	}
}

// Snapshots go through stdout and stdin with -, and through file:// URLs.
func TestSnapshotStreamsAndURLs(t *testing.T) {
	src := newStore(t)
	seed(t, src)
	r := cli(t, "", src.with("snapshot", "-")...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "LDSNAP") || !strings.Contains(r.stderr, "to stdout") {
		t.Fatalf("snapshot -: code %d, stderr %q, %d bytes", r.code, r.stderr, len(r.stdout))
	}
	dst := src.sameKeysStore(t)
	in := cli(t, r.stdout, dst.with("restore", "-")...)
	// The undeclared bucket sessions is in the snapshot too: the backend
	// lists it.
	if in.code != 0 || !strings.HasPrefix(in.stdout, "restored 6 records of 2 buckets") {
		t.Fatalf("restore -: %+v", in)
	}

	url := "file://" + filepath.ToSlash(t.TempDir()) + "/app.snap"
	ok(t, src.with("snapshot", "--bucket", "sessions", url)...)
	dst = src.sameKeysStore(t)
	if out := ok(t, dst.with("restore", url)...); !strings.HasPrefix(out, "restored 1 records") {
		t.Errorf("restore from a URL printed %q", out)
	}
	cli(t, "", dst.with("restore", "file:///")...).wantError(t, exitRuntime, "restore", "names no object")
}

func TestSnapshotUsage(t *testing.T) {
	src := newStore(t)
	file := filepath.Join(t.TempDir(), "app.snap")
	ok(t, src.with("snapshot", file)...)
	cli(t, "", src.with("snapshot", file)...).wantError(t, exitRuntime, "snapshot", "exists (use --force")
	ok(t, src.with("snapshot", "--force", file)...)
	cli(t, "", src.with("snapshot")...).wantError(t, exitUsage, "snapshot", "want DEST")
	cli(t, "", src.with("restore")...).wantError(t, exitUsage, "restore", "want SOURCE")
	cli(t, "", src.with("snapshot", "--plaintext", file)...).wantError(t, exitUsage, "snapshot", "--plaintext is for plaintext stores")
}

// A bucket the configuration keeps in memory only is left out of a
// whole-store snapshot (so the snapshot restores into the same
// configuration), and naming it is an error.
func TestSnapshotSkipsMemoryOnlyBuckets(t *testing.T) {
	src := newStore(t)
	c, err := config.LoadFile(src.config)
	if err != nil {
		t.Fatal(err)
	}
	c.Buckets = map[string]config.Bucket{"cache": {Persistence: config.PersistNone}, "kept": {}}
	if err := saveConfig(src.config, c, true); err != nil {
		t.Fatal(err)
	}
	ok(t, src.with("set", "--bucket", "kept", "k", "1")...)
	file := filepath.Join(t.TempDir(), "app.snap")
	if r := cli(t, "", src.with("snapshot", file)...); r.code != 0 || !strings.Contains(r.stderr, "of 2 buckets") {
		t.Fatalf("snapshot: %+v (want the default bucket and kept)", r)
	}
	dst := src.sameKeysStore(t)
	if out := ok(t, dst.with("restore", file)...); !strings.HasPrefix(out, "restored 1 records of 2 buckets") {
		t.Errorf("restore printed %q", out)
	}
	cli(t, "", src.with("snapshot", "--bucket", "cache", file+"2")...).wantError(t, exitRuntime, "snapshot", "not persisted")
}
