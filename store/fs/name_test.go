package fs

import (
	"bytes"
	"strings"
	"testing"
)

// validNameChars reports whether name uses only the characters the layout
// allows: lower-case letters and digits.
func validNameChars(name string) bool {
	for _, c := range []byte(name) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return name != ""
}

// checkName checks the properties every name of b must have: allowed
// characters, bounded length, the right prefix, and a round trip back to b
// for a direct name.
func checkName(t *testing.T, name string, direct, hashed byte, b []byte) {
	t.Helper()
	if !validNameChars(name) || len(name) > 1+maxEncoded {
		t.Fatalf("name %q for %q: want 1 to %d lower-case letters and digits", name, b, 1+maxEncoded)
	}
	if len(b)*8 <= maxEncoded*5 {
		got, ok := decodeName(direct, name)
		if !ok || !bytes.Equal(got, b) {
			t.Fatalf("decodeName(%q) = %q, %v, want %q", name, got, ok, b)
		}
		return
	}
	if !isHashedName(hashed, name) {
		t.Fatalf("name %q for a %d-byte string is not a hashed name", name, len(b))
	}
}

func TestNamesRoundTrip(t *testing.T) {
	keys := [][]byte{
		nil, []byte("."), []byte(".."), []byte("../x"), []byte("/abs"), []byte("\x00"),
		[]byte("CON"), []byte("con"), []byte("nul"), []byte("\xff\xfe"), []byte("Key"), []byte("key"),
		bytes.Repeat([]byte{0xff}, 125), bytes.Repeat([]byte{0xff}, 126), bytes.Repeat([]byte("k"), 10*1024),
	}
	seen := make(map[string][]byte)
	for _, k := range keys {
		name := entryName(k)
		checkName(t, name, prefixEntry, prefixEntryHashed, k)
		if !isEntryName(name) || isBucketDirName(name) || isTempName(name) {
			t.Errorf("entry name %q is not recognized as an entry name only", name)
		}
		if prev, dup := seen[strings.ToLower(name)]; dup {
			t.Errorf("keys %q and %q share the name %q", prev, k, name)
		}
		seen[strings.ToLower(name)] = k

		dir := bucketDirName(string(k))
		checkName(t, dir, prefixBucket, prefixBucketHashed, k)
		if !isBucketDirName(dir) || isEntryName(dir) {
			t.Errorf("bucket directory name %q is not recognized as one only", dir)
		}
	}
	// 125 bytes encode to exactly maxEncoded characters, the longest kept.
	if n := len(entryName(bytes.Repeat([]byte("x"), 125))); n != 1+maxEncoded {
		t.Errorf("a 125-byte key has a %d-character name, want %d", n, 1+maxEncoded)
	}
	if n := len(entryName(bytes.Repeat([]byte("x"), 126))); n != hashedLen {
		t.Errorf("a 126-byte key has a %d-character name, want the hashed %d", n, hashedLen)
	}
}

func TestDecodeNameRejectsNonCanonical(t *testing.T) {
	for _, name := range []string{
		"", "x", "e0", // "0" alone is no whole byte
		"eC4", "E00", // upper case
		"e01",           // leftover bits set: "00" is the canonical form
		"e0\n0", "e00=", // characters base32 decoders skip or pad with
		"e" + strings.Repeat("0", maxEncoded+2),
		"e00/", "e../", "b00/",
	} {
		for _, p := range []byte{prefixEntry, prefixBucket} {
			if b, ok := decodeName(p, name); ok {
				t.Errorf("decodeName(%q, %q) = %q, want rejected", p, name, b)
			}
		}
	}
	if _, ok := decodeName(prefixEntry, "e00"); !ok {
		t.Errorf("decodeName(%q) rejected the canonical name of a NUL byte", "e00")
	}
	for _, name := range []string{"t0123456789abcde", "t0123456789abcdeF", "t0123456789abcdeg", "u0123456789abcdef"} {
		if isTempName(name) {
			t.Errorf("isTempName(%q) = true, want false", name)
		}
	}
	if !isTempName("t0123456789abcdef") {
		t.Errorf("isTempName rejected a temporary name")
	}
}

// FuzzName checks, for any bytes, that the names made from them are safe and
// decode back to them, and that any string accepted as a name is exactly the
// name of what it decodes to, so two names never stand for one key.
func FuzzName(f *testing.F) {
	for _, s := range []string{"", "..", "/", "a/b", "\x00", "CON", "Key", "\xff\xfe\xfd", "e00", "b", "eC4", "e01", strings.Repeat("k", 200)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkName(t, entryName(b), prefixEntry, prefixEntryHashed, b)
		checkName(t, bucketDirName(string(b)), prefixBucket, prefixBucketHashed, b)
		for _, p := range [][2]byte{{prefixEntry, prefixEntryHashed}, {prefixBucket, prefixBucketHashed}} {
			if got, ok := decodeName(p[0], string(b)); ok && makeName(p[0], p[1], got) != string(b) {
				t.Fatalf("decodeName(%q) = %q, whose name is %q", b, got, makeName(p[0], p[1], got))
			}
		}
		if isEntryName(string(b)) && !validNameChars(string(b)) {
			t.Fatalf("isEntryName accepted %q", b)
		}
	})
}
