package redis

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzName checks that every (bucket, key) has a name that decodes back to
// its key under its bucket's prefix and under no other bucket's, and that
// the bucket's MATCH pattern matches exactly the names under that prefix.
func FuzzName(f *testing.F) {
	f.Add("livedict", "a", []byte(":x"), "a:")
	f.Add("p*[x]?\\", "", []byte(""), "*")
	f.Add("{tag}", "[a-z]", []byte("\x00\xff"), "[")
	f.Fuzz(func(t *testing.T, prefix, bucket string, k []byte, other string) {
		n := newNamer(prefix)
		name := n.name(bucket, k)
		bp := n.bucketPrefix(bucket)
		got, ok := key(name, bp)
		if !ok || !bytes.Equal(got, k) {
			t.Fatalf("key(name(%q, %q)) = %q, %v", bucket, k, got, ok)
		}
		if !globMatch(n.match(bucket), name) {
			t.Fatalf("pattern %q does not match name %q", n.match(bucket), name)
		}
		if other != bucket {
			if _, ok := key(name, n.bucketPrefix(other)); ok {
				t.Fatalf("name of bucket %q decodes as a key of bucket %q", bucket, other)
			}
			if globMatch(n.match(other), name) && !strings.HasPrefix(name, n.bucketPrefix(other)) {
				t.Fatalf("pattern %q of bucket %q matches %q, which is not under its prefix", n.match(other), other, name)
			}
		}
	})
}

// FuzzScanName feeds key the names SCAN could return: it never panics and
// accepts only the one canonical name of each key.
func FuzzScanName(f *testing.F) {
	f.Add("livedict:YQ:eA", "livedict:YQ:")
	f.Add("livedict:YQ:eB", "livedict:YQ:")
	f.Add("livedict:YQ::eA", "livedict:YQ:")
	f.Add("livedict:YQ:eA==", "livedict:YQ:")
	f.Fuzz(func(t *testing.T, name, bucketPrefix string) {
		k, ok := key(name, bucketPrefix)
		if ok && bucketPrefix+b64.EncodeToString(k) != name {
			t.Fatalf("key(%q, %q) accepted a non-canonical name (key %q)", name, bucketPrefix, k)
		}
	})
}

// FuzzDecodeValue feeds decodeValue arbitrary stored bytes: it never
// panics, rejects what encodeValue cannot produce with ErrCorrupt, and
// what it accepts encodes back to the same bytes.
func FuzzDecodeValue(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("short"))
	f.Add(encodeValue(0, []byte("v")))
	f.Add(encodeValue(1_700_000_000_123, []byte("value")))
	f.Add(append([]byte{2}, make([]byte, 8)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, exp, err := decodeValue(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeValue error %v does not match ErrCorrupt", err)
			}
			return
		}
		if again := encodeValue(expireMillis(exp), v); !bytes.Equal(again, b) {
			t.Fatalf("decode then encode of %x gave %x", b, again)
		}
	})
}

// globMatch reports whether s matches the Redis glob pattern (as
// stringmatchlen in Redis's util.c: * ? [...] with ^ and ranges, \ escape).
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 1 && pattern[1] == '*' {
				pattern = pattern[1:]
			}
			if len(pattern) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
			s = s[1:]
		case '[':
			if len(s) == 0 {
				return false
			}
			pattern = pattern[1:]
			not := len(pattern) > 0 && pattern[0] == '^'
			if not {
				pattern = pattern[1:]
			}
			match := false
			for len(pattern) > 0 && pattern[0] != ']' {
				switch {
				case pattern[0] == '\\' && len(pattern) >= 2:
					pattern = pattern[1:]
					match = match || pattern[0] == s[0]
				case len(pattern) >= 3 && pattern[1] == '-':
					lo, hi := pattern[0], pattern[2]
					if lo > hi {
						lo, hi = hi, lo
					}
					pattern = pattern[2:]
					match = match || (s[0] >= lo && s[0] <= hi)
				default:
					match = match || pattern[0] == s[0]
				}
				pattern = pattern[1:]
			}
			if len(pattern) == 0 { // unterminated: Redis treats the end as ']'
				pattern = " "
			}
			if match == not {
				return false
			}
			s = s[1:]
		case '\\':
			if len(pattern) >= 2 {
				pattern = pattern[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || pattern[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		pattern = pattern[1:]
	}
	return len(s) == 0
}

// The key form is the one the package documentation gives.
func TestNameForm(t *testing.T) {
	n := newNamer("livedict")
	for _, c := range []struct {
		bucket, key, want string
	}{
		{"a", ":x", "livedict:YQ:Ong"},
		{"a:", "x", "livedict:YTo:eA"},
		{"", "k", "livedict::aw"},
		{"", "", "livedict::"},
	} {
		if got := n.name(c.bucket, []byte(c.key)); got != c.want {
			t.Errorf("name(%q, %q) = %q, want %q", c.bucket, c.key, got, c.want)
		}
	}
	if got, want := newNamer("p*[").match("a"), `p\*\[:YQ:*`; got != want {
		t.Errorf("match = %q, want %q", got, want)
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"a*", "abc", true}, {"a*", "b", false}, {"a?c", "abc", true}, {"[a-c]x", "bx", true},
		{"[^a]x", "ax", false}, {`\*`, "*", true}, {`\*`, "a", false}, {"p:*", "p:", true},
		{`p\[:*`, "p[:x", true}, {"p[:*", "p*", true}, {"p[:*", "p:x", false},
	} {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}
