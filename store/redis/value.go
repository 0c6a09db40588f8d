package redis

import (
	"encoding/binary"
	"fmt"
	"time"
)

// A stored value is a 9-byte header followed by the record's value:
//
//	byte 0     format version, 1
//	bytes 1–8  ExpireAt as Unix milliseconds, big-endian; 0 = never expires
//	bytes 9–   the value
//
// Redis removes the key itself at ExpireAt (SET ... PXAT), but keeping the
// expiry in the value as well lets one GET return the record with its
// ExpireAt, and lets Get and Scan compare it with this machine's clock, so a
// record is never returned after its ExpireAt even when the server's clock
// lags or the server has not yet removed the key.
const (
	valueVersion = 1
	headerLen    = 9
)

// expireMillis returns t as Unix milliseconds, truncated: a record may
// vanish up to 1 ms early but never outlives its ExpireAt. A zero t is 0.
func expireMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// encodeValue returns the stored form of value with expiry ms.
func encodeValue(ms int64, value []byte) []byte {
	return appendValue(make([]byte, 0, headerLen+len(value)), ms, value)
}

// appendValue appends the stored form of value with expiry ms to dst.
func appendValue(dst []byte, ms int64, value []byte) []byte {
	dst = append(dst, valueVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(ms))
	return append(dst, value...)
}

// decodeValue splits a stored value into the record's value, which aliases
// b, and its expiry (zero for none). It returns an error matching ErrCorrupt
// for bytes encodeValue did not produce.
func decodeValue(b []byte) (value []byte, expireAt time.Time, err error) {
	if len(b) < headerLen {
		return nil, time.Time{}, fmt.Errorf("%w: stored value is %d bytes, shorter than its %d-byte header", ErrCorrupt, len(b), headerLen)
	}
	if b[0] != valueVersion {
		return nil, time.Time{}, fmt.Errorf("%w: unknown stored value format %d", ErrCorrupt, b[0])
	}
	if ms := int64(binary.BigEndian.Uint64(b[1:headerLen])); ms != 0 {
		expireAt = time.UnixMilli(ms)
	}
	return b[headerLen:], expireAt, nil
}
