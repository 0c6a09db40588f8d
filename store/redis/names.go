package redis

import (
	"encoding/base64"
	"strings"
)

// Redis key names have the form
//
//	<prefix> ":" base64url(bucket) ":" base64url(key)
//
// with unpadded, strict base64url (RFC 4648 §5, alphabet A–Z a–z 0–9 - _).
// That alphabet holds no ':' and none of the characters SCAN MATCH treats
// specially (* ? [ ] \), so the second ':' always ends the bucket, a bucket's
// names all start with one literal string that no other bucket's names start
// with, and only the prefix needs escaping in a MATCH pattern. Strict decoding
// rejects non-canonical encodings, so each (bucket, key) has exactly one name.
var b64 = base64.RawURLEncoding.Strict()

// namer builds and parses the Redis key names of one store.
type namer struct {
	prefix  string // the option, followed by ':'
	pattern string // glob-escaped prefix, for MATCH
}

func newNamer(prefix string) namer {
	return namer{prefix: prefix + ":", pattern: escapeGlob(prefix) + ":"}
}

// bucketPrefix returns the literal start shared by every name of bucket.
func (n namer) bucketPrefix(bucket string) string {
	return string(n.appendBucketPrefix(nil, bucket))
}

func (n namer) appendBucketPrefix(dst []byte, bucket string) []byte {
	dst = append(dst, n.prefix...)
	dst = b64.AppendEncode(dst, []byte(bucket))
	return append(dst, ':')
}

// appendName appends the Redis key for bucket and key to dst.
func (n namer) appendName(dst []byte, bucket string, key []byte) []byte {
	return b64.AppendEncode(n.appendBucketPrefix(dst, bucket), key)
}

// nameLen returns len(n.name(bucket, key)).
func (n namer) nameLen(bucket string, key []byte) int {
	return len(n.prefix) + b64.EncodedLen(len(bucket)) + 1 + b64.EncodedLen(len(key))
}

// name returns the Redis key for bucket and key.
func (n namer) name(bucket string, key []byte) string {
	var buf [256]byte
	return string(n.appendName(buf[:0], bucket, key))
}

// match returns the SCAN MATCH pattern for every name of bucket.
func (n namer) match(bucket string) string {
	return n.pattern + b64.EncodeToString([]byte(bucket)) + ":*"
}

// key decodes the record key from name, a name SCAN returned for the bucket
// whose names start with bucketPrefix. It reports false for a name that is
// not in this store's form (a key some other program, or a store whose
// prefix extends this one's, wrote under a matching name): Scan skips those.
func key(name, bucketPrefix string) ([]byte, bool) {
	enc, ok := strings.CutPrefix(name, bucketPrefix)
	if !ok {
		return nil, false
	}
	k, err := b64.DecodeString(enc)
	// The decoder skips '\r' and '\n'; the length check refuses names
	// holding them, so only the canonical name of a key is accepted.
	if err != nil || b64.EncodedLen(len(k)) != len(enc) {
		return nil, false
	}
	return k, true
}

// escapeGlob escapes the characters Redis glob patterns give a meaning, so
// that s matches only itself.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\^-`) {
		return s
	}
	var sb strings.Builder
	for i := range len(s) {
		switch c := s[i]; c {
		case '*', '?', '[', ']', '\\', '^', '-':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
