package badger

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/livedict/livedict/store"
)

// Badger's UserMeta byte says how a stored value is laid out.
const (
	// metaExpiry marks a value that starts with an 8-byte big-endian
	// int64: the record's ExpireAt in Unix milliseconds. Records without
	// expiry are stored exactly as given, with UserMeta 0.
	metaExpiry byte = 1 << 0
	// metaKnown holds every bit this version understands; a value with
	// any other bit set was written by something else.
	metaKnown = metaExpiry
)

// expiryHeaderLen is the length of the header metaExpiry announces.
const expiryHeaderLen = 8

// encodeValue returns the bytes to store for r, its UserMeta and the Badger
// ExpiresAt (Unix seconds, 0 for never).
//
// The exact ExpireAt is kept in milliseconds, rounded down so that the
// record is hidden no later than asked. Badger's own expiry has one-second
// granularity, so ExpiresAt is the next whole second at or after that
// millisecond: Badger never drops a record before Get and Scan would have
// hidden it, and drops it at most a second later.
func encodeValue(r store.Record) (value []byte, userMeta byte, expiresAt uint64) {
	var dst []byte
	if !r.ExpireAt.IsZero() {
		dst = make([]byte, 0, expiryHeaderLen+len(r.Value))
	}
	value, _, userMeta, expiresAt = appendValue(dst, r)
	return value, userMeta, expiresAt
}

// appendValue is encodeValue building a value with an expiry header at the
// end of dst, which it returns grown as rest (value is then a part of
// it); a record without expiry is stored as r.Value, and dst is returned
// unchanged.
func appendValue(dst []byte, r store.Record) (value, rest []byte, userMeta byte, expiresAt uint64) {
	if r.ExpireAt.IsZero() {
		return r.Value, dst, 0, 0
	}
	ms := unixMilli(r.ExpireAt)
	start := len(dst)
	dst = binary.BigEndian.AppendUint64(dst, uint64(ms))
	dst = append(dst, r.Value...)
	return dst[start:len(dst):len(dst)], dst, metaExpiry, expirySeconds(ms)
}

// Limits of what an int64 of Unix milliseconds holds.
var (
	maxMilliTime = time.UnixMilli(math.MaxInt64)
	minMilliTime = time.UnixMilli(math.MinInt64)
)

// unixMilli returns t in Unix milliseconds, rounded down (time.UnixMilli
// floors), and clamped to the int64 range, whose ends are some 292 million
// years away, so that an absurdly distant expiry stays distant instead of
// overflowing into the past.
func unixMilli(t time.Time) int64 {
	switch {
	case t.After(maxMilliTime):
		return math.MaxInt64
	case t.Before(minMilliTime):
		return math.MinInt64
	}
	return t.UnixMilli()
}

// expirySeconds converts a Unix millisecond expiry to Badger's ExpiresAt:
// the ceiling second, and at least 1 because 0 means "never" to Badger.
func expirySeconds(ms int64) uint64 {
	if ms <= 0 {
		return 1 // long past: Badger treats it as expired at once
	}
	s := ms / 1000
	if ms%1000 != 0 {
		s++
	}
	return uint64(s)
}

// decodeValue undoes encodeValue for a stored value and its UserMeta. The
// returned value aliases raw. A zero expireAt means the record never
// expires.
func decodeValue(userMeta byte, raw []byte) (value []byte, expireAt time.Time, err error) {
	if userMeta&^metaKnown != 0 {
		return nil, time.Time{}, fmt.Errorf("%w: unknown user meta %#02x", ErrCorrupt, userMeta)
	}
	if userMeta&metaExpiry == 0 {
		return raw, time.Time{}, nil
	}
	if len(raw) < expiryHeaderLen {
		return nil, time.Time{}, fmt.Errorf("%w: %d-byte value is shorter than its expiry header", ErrCorrupt, len(raw))
	}
	ms := int64(binary.BigEndian.Uint64(raw))
	return raw[expiryHeaderLen:], time.UnixMilli(ms), nil
}

// expired reports whether a decoded expiry has been reached at now.
func expired(expireAt, now time.Time) bool {
	return !expireAt.IsZero() && !now.Before(expireAt)
}
