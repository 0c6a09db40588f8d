package badger

import (
	"bytes"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

// FuzzRecordKey checks the key layout on arbitrary buckets and keys: the
// encoding round-trips, and a record key has another bucket's prefix only
// when the buckets are equal, which is what keeps Scan inside its bucket.
func FuzzRecordKey(f *testing.F) {
	f.Add("a", []byte("k"), "ab")
	f.Add("", []byte(""), "a")
	f.Add("ab", []byte("\x00"), "a")
	f.Fuzz(func(t *testing.T, bucket string, key []byte, other string) {
		rk := recordKey(bucket, key)
		b, k, ok := splitRecordKey(rk)
		if !ok || b != bucket || !bytes.Equal(k, key) {
			t.Fatalf("splitRecordKey(recordKey(%q, %q)) = (%q, %q, %v)", bucket, key, b, k, ok)
		}
		if got := bytes.HasPrefix(rk, bucketPrefix(other)); got != (other == bucket) {
			t.Fatalf("recordKey(%q, %q) has bucket %q's prefix: %v", bucket, key, other, got)
		}
	})
}

// FuzzDecodeValue feeds stored bytes and user meta, as another program or a
// damaged disk might leave them, to decodeValue: it must return a value or
// an error, never panic, and what it accepts must re-encode to the same
// bytes.
func FuzzDecodeValue(f *testing.F) {
	f.Add(byte(0), []byte("plain"))
	f.Add(metaExpiry, []byte("\x00\x00\x01\x8f\x00\x00\x00\x00payload"))
	f.Add(metaExpiry, []byte("short"))
	f.Add(byte(0xff), []byte{})
	f.Fuzz(func(t *testing.T, meta byte, raw []byte) {
		v, at, err := decodeValue(meta, raw)
		if err != nil {
			return
		}
		back, meta2, _ := encodeValue(store.Record{Value: v, ExpireAt: at})
		if meta2 != meta || !bytes.Equal(back, raw) {
			t.Fatalf("decodeValue(%#x, %q) = (%q, %v), which encodes to (%#x, %q)", meta, raw, v, at, meta2, back)
		}
		if !at.IsZero() && at.Location() != time.Local {
			t.Fatalf("ExpireAt %v is not in local time", at)
		}
	})
}
