package fs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func TestFileRoundTrip(t *testing.T) {
	exp := time.Unix(1_700_000_000, 123456789)
	for _, r := range []store.Record{
		{},
		{Bucket: "b", Key: []byte("k"), Value: []byte("v")},
		{Bucket: "", Key: []byte("\x00/..\xff"), Value: bytes.Repeat([]byte{7}, 1<<16), ExpireAt: exp},
		{Bucket: "epoch", Key: []byte("k"), ExpireAt: time.Unix(0, 0)},
	} {
		e, err := decodeFile(encodeFile(r))
		if err != nil {
			t.Fatalf("decodeFile(encodeFile(%q)) = %v", r.Key, err)
		}
		if string(e.bucket) != r.Bucket || !bytes.Equal(e.key, r.Key) || !bytes.Equal(e.value, r.Value) {
			t.Errorf("round trip gave {%q %q %q}, want {%q %q %q}", e.bucket, e.key, e.value, r.Bucket, r.Key, r.Value)
		}
		if got := expireTime(e.expire); !got.Equal(r.ExpireAt) && !(r.ExpireAt.Equal(time.Unix(0, 0)) && e.expire == -1) {
			t.Errorf("expiry %v came back as %v", r.ExpireAt, got)
		}
		// The decoded slices are capped: appending to one leaves the next intact.
		_ = append(e.key, "overwrite"...)
		if !bytes.Equal(e.value, r.Value) {
			t.Errorf("appending to the decoded key changed the value")
		}
	}
}

func TestExpireNanos(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		t       time.Time
		want    int64
		expired bool
	}{
		{time.Time{}, 0, false},
		{time.Unix(0, 0), -1, true}, // the epoch must not read as "no expiry"
		{time.Date(1200, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64, true},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), math.MaxInt64, false},
		{now, now.UnixNano(), true}, // expired from ExpireAt on, not after
		{now.Add(time.Nanosecond), now.UnixNano() + 1, false},
	} {
		got := expireNanos(c.t)
		if got != c.want {
			t.Errorf("expireNanos(%v) = %d, want %d", c.t, got, c.want)
		}
		if e := expiredAt(got, now); e != c.expired {
			t.Errorf("expiredAt(%v) = %v, want %v", c.t, e, c.expired)
		}
	}
}

func TestDecodeFileRejectsDamage(t *testing.T) {
	good := encodeFile(store.Record{Bucket: "b", Key: []byte("key"), Value: []byte("value")})
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x10
		return b
	}
	hugeLen := bytes.Clone(good)
	binary.BigEndian.PutUint64(hugeLen[13:], math.MaxUint64)
	for name, b := range map[string][]byte{
		"empty":            nil,
		"header only":      good[:headerSize],
		"truncated":        good[:len(good)-1],
		"extended":         append(bytes.Clone(good), 0),
		"bad magic":        flip(0),
		"bad version":      flip(4),
		"flipped expiry":   flip(6),
		"flipped length":   flip(20),
		"flipped key":      flip(headerSize + 1),
		"flipped value":    flip(len(good) - 6),
		"flipped checksum": flip(len(good) - 1),
		"huge length":      hugeLen,
	} {
		if _, err := decodeFile(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeFile = %v, want an error matching ErrCorrupt", name, err)
		}
	}
}

// FuzzDecodeFile feeds arbitrary bytes to the file decoder: it must never
// panic, must reject what it cannot read with ErrCorrupt, and must accept
// only the exact bytes the encoder writes for what it decoded.
func FuzzDecodeFile(f *testing.F) {
	f.Add(encodeFile(store.Record{}))
	f.Add(encodeFile(store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v"), ExpireAt: time.Unix(1, 0)}))
	f.Add([]byte(fileMagic + "\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeFile(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeFile(%x) = %v, want an error matching ErrCorrupt", b, err)
			}
			return
		}
		r := store.Record{Bucket: string(e.bucket), Key: e.key, Value: e.value, ExpireAt: expireTime(e.expire)}
		if again := encodeFile(r); !bytes.Equal(again, b) {
			t.Fatalf("decodeFile accepted %x, which encodes back as %x", b, again)
		}
	})
}
