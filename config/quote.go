package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/livedict/livedict/crypto"
)

// Errors quote bad values so that a typo can be found, but a value may be
// a secret pasted into the wrong field (a key in LIVEDICT_MAX_KEYS). So
// an error shows at most maxQuoted bytes of a value, followed by an
// ellipsis and the value's length, and nothing at all of a field that
// holds secrets (see secretPath). docs/configuration.md states the rule.
const maxQuoted = 8

// quote returns the start of a bad value for an error message: the whole
// value, quoted, when it is at most maxQuoted bytes; else its first bytes
// (cut at a character boundary), an ellipsis and its length.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", strings.TrimSuffix(cutText(s, maxQuoted), "…"), len(s))
}

// quoteAt quotes a bad value of the field at path, or, for a field that
// holds secrets, says only how long it is.
func quoteAt(path, s string) string {
	if secretPath(path) {
		return fmt.Sprintf("(a value of %d bytes, not shown)", len(s))
	}
	return quote(s)
}

// secretPath reports whether the field at path (a field path or an
// environment variable) may hold a secret: the backend URL, which may
// carry a password, and everything about encryption, where a key may be
// pasted in place of a key's name, file or id.
func secretPath(path string) bool {
	if name, ok := strings.CutPrefix(path, EnvPrefix); ok {
		if v, known := envByName[name]; known {
			return secretPath(v.path)
		}
		return !strings.HasPrefix(name, bucketPrefix)
	}
	return path == "persist.backend" || path == "persist.encryption" || strings.HasPrefix(path, "persist.encryption.")
}

// maxNameShown bounds how much of an unknown field or variable name an
// error shows: real names are short, and a long one may be pasted data.
const maxNameShown = 40

// maxBucketShown bounds how much of a bucket's name a path shows: bucket
// names are the user's own and may be long, but not without bound.
const maxBucketShown = 64

// showName returns name, cut to maxNameShown bytes with an ellipsis.
func showName(name string) string { return cutText(name, maxNameShown) }

// cutText returns s, or its first n bytes or fewer (cut at a character
// boundary) and an ellipsis when it is longer.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// quoteName quotes a name (a bucket's, a map key) for a path, cut to
// maxBucketShown bytes.
func quoteName(name string) string {
	short := cutText(name, maxBucketShown)
	if short == name {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q…", strings.TrimSuffix(short, "…"))
}

// An error about a key source names the variable or file, which an
// operator needs, unless the name could be key material pasted into the
// wrong field: then it names the field instead.

// shownEnvName reports whether an error may show the environment variable
// name s: a portable name in upper case ([A-Z_][A-Z0-9_]*), and not only
// hex digits, which an upper-case hex key would be.
func shownEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	hexOnly := true
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'F' || r >= '0' && r <= '9':
		case r >= 'G' && r <= 'Z' || r == '_':
			hexOnly = false
		default:
			return false
		}
	}
	return !hexOnly
}

// shownFilePath reports whether an error may show the key file path s:
// one that does not read as a key (hex or base64 of 32 bytes) and looks
// like a path (it holds a / or a .), or is too short to hide anything.
func shownFilePath(s string) bool {
	if readsAsKey(s) {
		return false
	}
	return strings.ContainsAny(s, "/.") || len(s) <= maxQuoted
}

// readsAsKey reports whether s is 32 bytes in hex or in any base64.
func readsAsKey(s string) bool {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == crypto.KeySize {
		return true
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == crypto.KeySize {
			return true
		}
	}
	return false
}
