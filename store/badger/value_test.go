package badger

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func TestEncodeValueExpiry(t *testing.T) {
	for _, c := range []struct {
		name      string
		expireAt  time.Time
		wantMs    int64 // exact expiry kept, in Unix ms
		wantBadgr uint64
	}{
		{"whole second", time.Unix(100, 0), 100_000, 100},
		{"one ms past a second rounds Badger up", time.Unix(100, int64(time.Millisecond)), 100_001, 101},
		{"sub-ms is floored, never later", time.Unix(100, int64(time.Millisecond)-1), 100_000, 100},
		{"999 ms", time.Unix(100, 999*int64(time.Millisecond)+999_999), 100_999, 101},
		{"the epoch is an expiry, not 'never'", time.Unix(0, 0), 0, 1},
		{"before the epoch", time.Unix(-5, 500), -5_000, 1},
		{"beyond int64 ms clamps far away", time.Unix(math.MaxInt64/1000+10, 0), math.MaxInt64, math.MaxInt64/1000 + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := store.Record{Value: []byte("payload"), ExpireAt: c.expireAt}
			v, meta, exp := encodeValue(r)
			if meta != metaExpiry {
				t.Errorf("user meta = %#x, want %#x", meta, metaExpiry)
			}
			if exp != c.wantBadgr {
				t.Errorf("Badger ExpiresAt = %d, want %d", exp, c.wantBadgr)
			}
			got, at, err := decodeValue(meta, v)
			if err != nil {
				t.Fatalf("decodeValue = %v", err)
			}
			if !bytes.Equal(got, r.Value) {
				t.Errorf("value = %q, want %q", got, r.Value)
			}
			if at.UnixMilli() != c.wantMs {
				t.Errorf("ExpireAt = %d ms, want %d ms", at.UnixMilli(), c.wantMs)
			}
			if at.After(c.expireAt) && c.expireAt.Before(maxMilliTime) {
				t.Errorf("stored ExpireAt %v is after the one asked for, %v", at, c.expireAt)
			}
			// Badger must never drop the record before the exact expiry.
			if c.wantMs > 0 && (exp < uint64(c.wantMs/1000) || exp == uint64(c.wantMs/1000) && c.wantMs%1000 != 0) {
				t.Errorf("Badger expiry %d s is before the exact expiry %d ms", exp, c.wantMs)
			}
		})
	}
}

func TestEncodeValueNoExpiry(t *testing.T) {
	r := store.Record{Value: []byte("as is")}
	v, meta, exp := encodeValue(r)
	if meta != 0 || exp != 0 || !bytes.Equal(v, r.Value) {
		t.Errorf("encodeValue without expiry = (%q, %#x, %d), want the value unchanged, 0, 0", v, meta, exp)
	}
	got, at, err := decodeValue(meta, v)
	if err != nil || !at.IsZero() || !bytes.Equal(got, r.Value) {
		t.Errorf("decodeValue = (%q, %v, %v), want (%q, zero time, nil)", got, at, err, r.Value)
	}
}

func TestDecodeValueCorrupt(t *testing.T) {
	for _, c := range []struct {
		meta byte
		raw  []byte
	}{
		{metaExpiry, nil},
		{metaExpiry, []byte("1234567")},
		{0x80, []byte("x")},
		{metaExpiry | 0x02, []byte("12345678x")},
	} {
		if _, _, err := decodeValue(c.meta, c.raw); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeValue(%#x, %q) = %v, want an error matching ErrCorrupt", c.meta, c.raw, err)
		}
	}
}

func TestExpiredBoundary(t *testing.T) {
	at := time.Unix(100, 5*int64(time.Millisecond))
	for _, c := range []struct {
		now  time.Time
		want bool
	}{
		{at.Add(-time.Nanosecond), false},
		{at, true}, // a record exists until ExpireAt, not at it
		{at.Add(time.Nanosecond), true},
	} {
		if got := expired(at, c.now); got != c.want {
			t.Errorf("expired(%v, now %v) = %v, want %v", at, c.now, got, c.want)
		}
	}
	if expired(time.Time{}, time.Now()) {
		t.Error("a zero ExpireAt expired, want never")
	}
}
