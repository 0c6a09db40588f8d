package badger

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// Bucket names whose encodings would collide under a naive layout: prefixes
// of each other, separators, NUL, the lengths where the uvarint grows, and
// the name that would put "!badger!", Badger's reserved prefix, first.
var trickyBuckets = []string{
	"", "a", "ab", "a\x00", "a:", ":", "\x00", "\x01", "\x02ab", "r",
	strings.Repeat("a", 127), strings.Repeat("a", 128), strings.Repeat("a", 300),
	"badger!" + strings.Repeat("x", 26), // length 33: uvarint(33) is '!'
	"\xff\xfe",
}

func TestRecordKeyRoundTrip(t *testing.T) {
	keys := [][]byte{nil, {}, []byte("k"), []byte("\x00"), []byte("!badger!x"), bytes.Repeat([]byte{0xff}, 70)}
	for _, b := range trickyBuckets {
		for _, k := range keys {
			rk := recordKey(b, k)
			if rk[0] != recordTag {
				t.Errorf("recordKey(%q, %q) starts with %q, want the record tag %q", b, k, rk[0], recordTag)
			}
			if bytes.HasPrefix(rk, []byte("!badger!")) {
				t.Errorf("recordKey(%q, %q) = %q starts with Badger's reserved prefix", b, k, rk)
			}
			gb, gk, ok := splitRecordKey(rk)
			if !ok || gb != b || !bytes.Equal(gk, k) {
				t.Errorf("splitRecordKey(recordKey(%q, %q)) = (%q, %q, %v), want the same bucket and key", b, k, gb, gk, ok)
			}
		}
	}
}

// TestBucketPrefixIsolation checks the property Scan relies on: a record
// key starts with a bucket's prefix exactly when it belongs to that bucket.
func TestBucketPrefixIsolation(t *testing.T) {
	keys := [][]byte{nil, []byte("k"), []byte("b"), []byte("\x00ab"), []byte("\x02ab")}
	for _, owner := range trickyBuckets {
		for _, k := range keys {
			rk := recordKey(owner, k)
			for _, b := range trickyBuckets {
				if got, want := bytes.HasPrefix(rk, bucketPrefix(b)), b == owner; got != want {
					t.Errorf("recordKey(%q, %q) has prefix of bucket %q: %v, want %v", owner, k, b, got, want)
				}
			}
		}
	}
}

// splitRecordKey undoes recordKey; that it can shows that recordKey never
// gives two (bucket, key) pairs the same Badger key.
func splitRecordKey(k []byte) (bucket string, key []byte, ok bool) {
	if len(k) == 0 || k[0] != recordTag {
		return "", nil, false
	}
	n, w := binary.Uvarint(k[1:])
	if w <= 0 || n > uint64(len(k)-1-w) {
		return "", nil, false
	}
	rest := k[1+w:]
	return string(rest[:n]), rest[n:], true
}
