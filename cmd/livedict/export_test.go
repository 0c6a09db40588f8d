package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livedict/livedict/config"
)

// secrets are clear bytes of seed's records that no sealed output may
// hold. Ciphertext is random bytes, so a short secret turns up in it by
// chance: a 2-byte one in about 1 of 55 snapshots of 1.2 KB. Each of
// these has 8 bytes or more, which chance puts in an output of a few KB
// less than once in 2^50.
var secrets = []string{"a text value", "odd\tkey\n", "session-user-1"}

// heldSecret returns the first of secrets that data holds, or "".
func heldSecret(data []byte) string {
	for _, s := range secrets {
		if strings.Contains(string(data), s) {
			return s
		}
	}
	return ""
}

// seed writes a few records of every kind of value, in two buckets, with
// and without expiry.
func seed(t *testing.T, ts testStore) {
	t.Helper()
	ok(t, ts.with("set", "s", "a text value")...)
	ok(t, ts.with("set", "n", "-12")...)
	ok(t, ts.with("set", "f", "0.25")...)
	ok(t, ts.with("set", "doc", `{"a":[1,{"b":null}],"c":true}`)...)
	ok(t, ts.with("set", "--", "odd\tkey\n", `"x"`)...)
	ok(t, ts.with("set", "--bucket", "sessions", "session-user-1", `{"id":1}`, "--ttl", "1h")...)
}

// sorted returns the lines of an export, sorted.
func sorted(out string) []string {
	l := lines(out)
	slices.Sort(l)
	return l
}

// A plain export imported into a fresh store with the same keys gives
// the same records, and so does a sealed one, whose blobs are copied
// without being decrypted.
func TestExportImportRoundTrip(t *testing.T) {
	src := newStore(t)
	seed(t, src)
	plain := ok(t, src.with("export", "--bucket", "", "--bucket", "sessions")...)
	if n := len(lines(plain)); n != 6 {
		t.Fatalf("plain export has %d lines:\n%s", n, plain)
	}
	for _, l := range lines(plain) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil || len(m) != 6 || m["raw"] == nil || m["codec"] == nil || m["sealed"] != nil {
			t.Fatalf("line %s: fields %v, %v", l, m, err)
		}
	}
	// A plain export holds clear data, so the sealed checks below can fail.
	if heldSecret([]byte(plain)) == "" {
		t.Fatalf("the plain export holds none of %q:\n%s", secrets, plain)
	}

	t.Run("plain", func(t *testing.T) {
		dst := src.sameKeysStore(t)
		file := filepath.Join(t.TempDir(), "dump.jsonl")
		if err := os.WriteFile(file, []byte(plain), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := ok(t, dst.with("import", "-i", file)...); out != "imported 6 records (0 expired, skipped)\n" {
			t.Fatalf("import printed %q", out)
		}
		if got := ok(t, dst.with("export", "--bucket", "", "--bucket", "sessions")...); !slices.Equal(sorted(got), sorted(plain)) {
			t.Fatalf("re-export differs:\n%s\nwant\n%s", got, plain)
		}
		if got := ok(t, dst.with("get", "doc")...); got != `{"a":[1,{"b":null}],"c":true}`+"\n" {
			t.Fatalf("get doc = %q", got)
		}
	})

	t.Run("sealed", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "sealed.jsonl")
		r := cli(t, "", src.with("export", "--sealed", "--bucket", "", "--bucket", "sessions", "-o", out)...)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("export -o: %+v", r)
		}
		if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("export file: %v, %v", st, err)
		}
		data, _ := os.ReadFile(out)
		for _, l := range lines(string(data)) {
			var x struct {
				Key, Value string
				Sealed     bool
			}
			if err := json.Unmarshal([]byte(l), &x); err != nil || !x.Sealed || !isStorageName(x.Key) {
				t.Fatalf("sealed line %s: %+v %v", l, x, err)
			}
			blob, err := base64.StdEncoding.DecodeString(x.Value)
			if err != nil || heldSecret(blob) != "" || heldSecret([]byte(l)) != "" {
				t.Fatalf("sealed line holds clear data: %s (%v)", l, err)
			}
		}
		// Exports are never overwritten by mistake.
		cli(t, "", src.with("export", "-o", out)...).wantError(t, exitRuntime, "export", "exists (use --force")

		dst := src.sameKeysStore(t)
		if got := ok(t, dst.with("import", "--sealed", "-i", out)...); got != "imported 6 records (0 expired, skipped)\n" {
			t.Fatalf("import printed %q", got)
		}
		if got := ok(t, dst.with("export", "--bucket", "", "--bucket", "sessions")...); !slices.Equal(sorted(got), sorted(plain)) {
			t.Fatalf("sealed import re-exports as:\n%s\nwant\n%s", got, plain)
		}
		// A plain import refuses sealed lines, and the other way round.
		cli(t, "", dst.with("import", "-i", out)...).wantError(t, exitRuntime, "import", "line 1: bad record: a sealed record")
		cli(t, strings.Join(lines(plain), "\n"), dst.with("import", "--sealed")...).
			wantError(t, exitRuntime, "import", "line 1: bad record: not a sealed record")
	})

	t.Run("verify", func(t *testing.T) {
		sealed := ok(t, src.with("export", "--sealed")...)
		// The same keys: every blob authenticates. Without --bucket the
		// export covers the undeclared bucket sessions too, which the
		// backend lists.
		dst := src.sameKeysStore(t)
		r := cli(t, sealed, dst.with("import", "--sealed", "--verify", "--check")...)
		if r.code != 0 || r.stdout != "checked, nothing written: 6 records (0 expired, skipped)\n" {
			t.Fatalf("verify with the same keys: %+v", r)
		}
		// Other keys (key id 1 too, so the header check passes): refused.
		other := newStore(t)
		cli(t, sealed, other.with("import", "--sealed", "--verify")...).
			wantError(t, exitRuntime, "import", "line 1: bad record: value: the blob does not open with this store's keys and name")
		// The same keys under another store name: refused too.
		renamed := src.sameKeysStore(t)
		c := must[config.Config](t)(config.LoadFile(renamed.config))
		c.Name = "elsewhere"
		if err := saveConfig(renamed.config, c, true); err != nil {
			t.Fatal(err)
		}
		cli(t, sealed, renamed.with("import", "--sealed", "--verify")...).
			wantError(t, exitRuntime, "import", "does not open with this store's keys and name")
		// A blob moved under another record's name: refused.
		ls := lines(sealed)
		var a, b map[string]any
		json.Unmarshal([]byte(ls[0]), &a)
		json.Unmarshal([]byte(ls[1]), &b)
		a["key"] = b["key"]
		swapped, _ := json.Marshal(a)
		cli(t, string(swapped)+"\n", dst.with("import", "--sealed", "--verify")...).
			wantError(t, exitRuntime, "import", "line 1: bad record: value: the blob does not open")
	})
}

// A bad line stops the import with its number; the lines before it are
// imported; --check writes nothing.
func TestImportBadLines(t *testing.T) {
	good := `{"bucket":"","key":"a","value":1,"expire_at":null}`
	for _, tc := range []struct {
		name, line, want string
	}{
		{"not json", `{"bucket":`, "not a JSON object of the export format: unexpected EOF"},
		{"not an object", `[1,2]`, "not a JSON object of the export format"},
		{"unknown field", `{"bucket":"","key":"b","value":1,"expire_at":null,"ttl":5}`, `not a JSON object of the export format: json: unknown field "ttl"`},
		{"missing value", `{"bucket":"","key":"b","expire_at":null}`, "missing field value"},
		{"missing bucket", `{"key":"b","value":1}`, "missing field bucket"},
		{"key not a string", `{"bucket":"","key":7,"value":1}`, "key: want a JSON string"},
		{"bad expiry", `{"bucket":"","key":"b","value":1,"expire_at":"tomorrow"}`, "expire_at: want RFC 3339"},
		{"two values", `{"bucket":"","key":"b","value":1} {}`, "more than one JSON value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newStore(t)
			input := good + "\n\n" + good + "\n" + tc.line + "\n" + `{"bucket":"","key":"z","value":1}` + "\n"
			cli(t, input, ts.with("import", "--check")...).wantError(t, exitRuntime, "import", "line 4: bad record: "+tc.want)
			cli(t, "", ts.with("get", "a")...).wantError(t, exitNotFound, "get", "a")
			cli(t, input, ts.with("import")...).wantError(t, exitRuntime, "import", "line 4: bad record: "+tc.want)
			if got := ok(t, ts.with("get", "a")...); got != "1\n" {
				t.Fatalf("the line before the bad one was not imported: %q", got)
			}
			cli(t, "", ts.with("get", "z")...).wantError(t, exitNotFound, "get", "z")
		})
	}
	t.Run("expired and int keys", func(t *testing.T) {
		ts := newStore(t)
		in := `{"bucket":"","key":5,"value":"five","expire_at":"2999-01-01T00:00:00Z"}` + "\n" +
			`{"bucket":"","key":6,"value":"six","expire_at":"2001-01-01T00:00:00Z"}` + "\n"
		r := cli(t, in, ts.with("--key-type", "int", "import")...)
		if r.code != 0 || r.stdout != "imported 1 records (1 expired, skipped)\n" {
			t.Fatalf("import: %+v", r)
		}
		if got := ok(t, ts.with("--key-type", "int", "get", "5")...); got != `"five"`+"\n" {
			t.Fatalf("get 5 = %q", got)
		}
		cli(t, strings.Replace(in, "5", `"5"`, 1), ts.with("--key-type", "int", "import")...).
			wantError(t, exitRuntime, "import", "line 1: bad record: key: want an integer")
	})
}
