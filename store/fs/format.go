package fs

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"time"

	"github.com/livedict/livedict/store"
)

// File format, version 1. All integers are big-endian.
//
//	offset  size  field
//	0       4     magic "LDfs"
//	4       1     version, 1
//	5       8     expireAt: Unix nanoseconds as int64, 0 for no expiry
//	13      8     bucket length B
//	21      8     key length K
//	29      8     value length V
//	37      B     bucket
//	37+B    K     key
//	37+B+K  V     value
//	end-4   4     CRC-32C (Castagnoli) of every byte before it
//
// The lengths must add up to the file's size exactly, so a file cut short
// or grown fails to decode even before its checksum is compared.

const (
	fileMagic   = "LDfs"
	fileVersion = 1
	headerSize  = 37
	trailerSize = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// entry is a decoded file. Its slices point into the decoded buffer and are
// capped, so appending to one never overwrites another.
type entry struct {
	bucket, key, value []byte
	expire             int64
}

// expireNanos maps an ExpireAt to the stored int64. Zero means none, so the
// Unix epoch itself, a real and long-past expiry, is stored as -1; times past
// the range of int64 nanoseconds (years before 1678 or after 2262) are
// clamped to its ends, which keeps past times past and far-future times
// unexpired for centuries.
func expireNanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(minExpiry):
		return math.MinInt64
	case t.After(maxExpiry):
		return math.MaxInt64
	}
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return -1
}

var (
	minExpiry = time.Unix(0, math.MinInt64)
	maxExpiry = time.Unix(0, math.MaxInt64)
)

// expireTime undoes expireNanos.
func expireTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// expiredAt reports whether a stored expiry is not after now.
func expiredAt(expire int64, now time.Time) bool {
	return expire != 0 && now.UnixNano() >= expire
}

// encodeFile returns the bytes of the file that stores r.
func encodeFile(r store.Record) []byte {
	n := headerSize + len(r.Bucket) + len(r.Key) + len(r.Value) + trailerSize
	b := make([]byte, headerSize, n)
	copy(b, fileMagic)
	b[4] = fileVersion
	binary.BigEndian.PutUint64(b[5:], uint64(expireNanos(r.ExpireAt)))
	binary.BigEndian.PutUint64(b[13:], uint64(len(r.Bucket)))
	binary.BigEndian.PutUint64(b[21:], uint64(len(r.Key)))
	binary.BigEndian.PutUint64(b[29:], uint64(len(r.Value)))
	b = append(b, r.Bucket...)
	b = append(b, r.Key...)
	b = append(b, r.Value...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// header is the fixed part of a file, enough to decide expiry.
type header struct {
	expire                  int64
	bucketLen, keyLen, vLen uint64
}

// decodeHeader parses the fixed part of a file. It checks the magic and
// version only; the lengths are checked against the file by decodeFile.
func decodeHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("%w: %d bytes is shorter than a header", ErrCorrupt, len(b))
	}
	if string(b[:4]) != fileMagic {
		return header{}, fmt.Errorf("%w: not an entry file (bad magic)", ErrCorrupt)
	}
	if b[4] != fileVersion {
		return header{}, fmt.Errorf("%w: unknown file version %d", ErrCorrupt, b[4])
	}
	return header{
		expire:    int64(binary.BigEndian.Uint64(b[5:])),
		bucketLen: binary.BigEndian.Uint64(b[13:]),
		keyLen:    binary.BigEndian.Uint64(b[21:]),
		vLen:      binary.BigEndian.Uint64(b[29:]),
	}, nil
}

// decodeFile parses and verifies a whole file. Every failure matches
// ErrCorrupt; it never panics, whatever b holds.
func decodeFile(b []byte) (entry, error) {
	h, err := decodeHeader(b)
	if err != nil {
		return entry{}, err
	}
	if len(b) < headerSize+trailerSize {
		return entry{}, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, len(b))
	}
	body := uint64(len(b) - headerSize - trailerSize)
	// Compare step by step so that huge lengths cannot overflow the sum.
	if h.bucketLen > body || h.keyLen > body-h.bucketLen || h.vLen != body-h.bucketLen-h.keyLen {
		return entry{}, fmt.Errorf("%w: lengths do not match the file size %d", ErrCorrupt, len(b))
	}
	end := len(b) - trailerSize
	if got, want := crc32.Checksum(b[:end], castagnoli), binary.BigEndian.Uint32(b[end:]); got != want {
		return entry{}, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	k := headerSize + int(h.bucketLen)
	v := k + int(h.keyLen)
	return entry{
		bucket: b[headerSize:k:k],
		key:    b[k:v:v],
		value:  b[v:end:end],
		expire: h.expire,
	}, nil
}
