package fs

import (
	"crypto/sha256"
	"encoding/base32"
)

// Names on disk. Every name is lower-case ASCII from the alphabet below, so
// names that differ only in case never arise and a case-insensitive or
// normalizing file system cannot merge two of them. A one-letter prefix says
// what a name is, keeps every name non-empty, and keeps names off the
// reserved device names of Windows (CON, NUL, COM1...), none of which starts
// with these letters followed by our alphabet:
//
//	b<enc(bucket)>   bucket directory, the bucket's bytes encoded
//	c<enc(sha256)>   bucket directory of a long bucket name, by its hash
//	e<enc(key)>      entry file, the key's bytes encoded
//	h<enc(sha256)>   entry file of a long key, by its hash
//	t<16 hex>        temporary file of a write in progress
//	lock             the lock file, in the store's directory only
//
// enc is base32 with the lower-case "extended hex" alphabet 0-9a-v and no
// padding: reversible, 1.6 characters per byte, and free of '/', '.', '\\'
// and NUL. When enc of a name would be longer than maxEncoded characters the
// hashed form is used instead (52 characters); the entry's header holds the
// full bucket and key, which Get and Scan compare with the ones asked for, so
// nothing depends on the hash being free of collisions.

// maxEncoded is the longest encoding kept as a name; with its prefix a name
// stays well under the 255 bytes most file systems allow. Keys and bucket
// names up to 125 bytes are stored under their own encoding.
const maxEncoded = 200

const (
	prefixBucket       = 'b'
	prefixBucketHashed = 'c'
	prefixEntry        = 'e'
	prefixEntryHashed  = 'h'
	prefixTemp         = 't'
	lockName           = "lock"
)

var enc = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// hashedLen is the length of a hashed name, prefix included.
var hashedLen = 1 + enc.EncodedLen(sha256.Size)

// bucketDirName returns the name of bucket's directory.
func bucketDirName(bucket string) string {
	return makeName(prefixBucket, prefixBucketHashed, []byte(bucket))
}

// entryName returns the name of key's file within its bucket directory.
func entryName(key []byte) string {
	return makeName(prefixEntry, prefixEntryHashed, key)
}

func makeName(direct, hashed byte, b []byte) string {
	if n := enc.EncodedLen(len(b)); n <= maxEncoded {
		buf := make([]byte, 1+n)
		buf[0] = direct
		enc.Encode(buf[1:], b)
		return string(buf)
	}
	sum := sha256.Sum256(b)
	buf := make([]byte, hashedLen)
	buf[0] = hashed
	enc.Encode(buf[1:], sum[:])
	return string(buf)
}

// decodeName undoes makeName for a direct name with the given prefix. It
// accepts only the exact string makeName produces, so that two names never
// decode to the same bytes.
func decodeName(direct byte, name string) ([]byte, bool) {
	if len(name) == 0 || name[0] != direct || len(name)-1 > maxEncoded {
		return nil, false
	}
	b, err := enc.DecodeString(name[1:])
	if err != nil || enc.EncodeToString(b) != name[1:] {
		return nil, false
	}
	return b, true
}

// isHashedName reports whether name is a hashed name with the given prefix.
func isHashedName(hashed byte, name string) bool {
	if len(name) != hashedLen || name[0] != hashed {
		return false
	}
	b, err := enc.DecodeString(name[1:])
	return err == nil && len(b) == sha256.Size && enc.EncodeToString(b) == name[1:]
}

// isBucketDirName reports whether name is one that bucketDirName returns.
func isBucketDirName(name string) bool {
	if _, ok := decodeName(prefixBucket, name); ok {
		return true
	}
	return isHashedName(prefixBucketHashed, name)
}

// isEntryName reports whether name is one that entryName returns.
func isEntryName(name string) bool {
	if _, ok := decodeName(prefixEntry, name); ok {
		return true
	}
	return isHashedName(prefixEntryHashed, name)
}

// isTempName reports whether name is one that tempName returns.
func isTempName(name string) bool {
	if len(name) != 17 || name[0] != prefixTemp {
		return false
	}
	for _, c := range []byte(name[1:]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
