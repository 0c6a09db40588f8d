package fs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict/store"
)

// hostile are keys and bucket names that break naive file names.
var hostile = []string{
	"", ".", "..", "../x", "../../etc/passwd", "/abs", "/", "a/b", `a\b`, `..\x`, "C:", "a:b",
	"\x00", "a\x00b", "CON", "con", "NUL", "COM1", "LPT1", "aux.txt", "Key", "key", "KEY",
	"\xff\xfe\xfd", "\xc3\x28", "é", "e\u0301", " ", "a ", "a.", "\n", "*?<>|\"",
	strings.Repeat("k", 125), strings.Repeat("k", 126),
	strings.Repeat("k", 10*1024), strings.Repeat("k", 10*1024-1) + "j",
}

// TestHostileNamesStayInside writes every hostile key into every hostile
// bucket, reads each back, scans each bucket, and then walks the directory
// around the store: every file must lie inside the store's directory, with
// a safe name, and no two names may differ only in case.
func TestHostileNamesStayInside(t *testing.T) {
	outer := t.TempDir()
	dir := filepath.Join(outer, "store")
	s, err := Open(dir, &Options{NoSync: true}) // fsync adds nothing here
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	value := func(b, k int) []byte { return fmt.Appendf(nil, "%d/%d", b, k) }
	for bi, b := range hostile {
		rs := make([]store.Record, len(hostile))
		for ki, k := range hostile {
			rs[ki] = store.Record{Bucket: b, Key: []byte(k), Value: value(bi, ki)}
		}
		if bi%2 == 0 {
			err = s.PutBatch(ctx, rs)
		} else {
			for _, r := range rs {
				if err = s.Put(ctx, r); err != nil {
					break
				}
			}
		}
		if err != nil {
			t.Fatalf("writing bucket %q: %v", b, err)
		}
	}
	for bi, b := range hostile {
		for ki, k := range hostile {
			r, err := s.Get(ctx, b, []byte(k))
			if err != nil || r.Bucket != b || string(r.Key) != k || !bytes.Equal(r.Value, value(bi, ki)) {
				t.Fatalf("Get(%q, %q) = {%q %q %q}, %v, want value %q", b, k, r.Bucket, r.Key, r.Value, err, value(bi, ki))
			}
		}
		n := 0
		for r, err := range s.Scan(ctx, b) {
			if err != nil {
				t.Fatalf("Scan(%q): %v", b, err)
			}
			ki := indexOf(hostile, string(r.Key))
			if r.Bucket != b || ki < 0 || !bytes.Equal(r.Value, value(bi, ki)) {
				t.Fatalf("Scan(%q) yielded {%q %q %q}", b, r.Bucket, r.Key, r.Value)
			}
			n++
		}
		if n != len(hostile) {
			t.Errorf("Scan(%q) yielded %d records, want %d", b, n, len(hostile))
		}
	}

	lower := make(map[string]string)
	files := 0
	err = filepath.WalkDir(outer, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			if path != outer {
				t.Errorf("%s lies outside the store's directory %s", path, dir)
			}
			return nil
		}
		if rel == "." {
			return nil
		}
		name := d.Name()
		if !validNameChars(name) || len(name) > 1+maxEncoded {
			t.Errorf("unsafe name %q", rel)
		}
		if prev, dup := lower[strings.ToLower(rel)]; dup {
			t.Errorf("%q and %q differ only in case", prev, rel)
		}
		lower[strings.ToLower(rel)] = rel
		if depth := strings.Count(rel, string(filepath.Separator)); depth > 1 {
			t.Errorf("%q is nested %d directories deep, want at most a bucket directory", rel, depth)
		}
		if d.Type().IsRegular() && rel != lockName {
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(hostile) * len(hostile); files != want {
		t.Errorf("found %d entry files, want %d: some records share a file", files, want)
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// TestSymlinkCannotLeadOutside plants symbolic links that point out of the
// store's directory where a bucket directory and an entry file would be: the
// store must refuse to follow them rather than read or write outside.
func TestSymlinkCannotLeadOutside(t *testing.T) {
	outer := t.TempDir()
	outside := filepath.Join(outer, "outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	secret := encodeFile(store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("secret")})
	if err := os.WriteFile(filepath.Join(outside, "f"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(outer, "store")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := os.Symlink(outside, filepath.Join(dir, bucketDirName("evil"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, store.Record{Bucket: "evil", Key: []byte("k"), Value: []byte("v")}); err == nil {
		t.Errorf("Put through a symlink to outside the directory succeeded")
	}
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("other"), Value: []byte("v")})
	if err := os.Symlink(filepath.Join(outside, "f"), entryPath(dir, "b", []byte("k"))); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "b", []byte("k")); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get through a symlink to outside = %q, %v, want an error other than not found", r.Value, err)
	}
	ents, err := os.ReadDir(outside)
	if err != nil || len(ents) != 1 {
		t.Errorf("the directory outside holds %d entries (%v), want only its own file", len(ents), err)
	}
}
