package codec_test

import (
	"strings"
	"testing"

	"github.com/livedict/livedict/codec"
)

// benchRecord is a record of about 1 KiB when encoded.
func benchRecord() record {
	r := sampleRecord()
	r.Name = strings.Repeat("n", 200)
	r.Raw = make([]byte, 400)
	for i := range 20 {
		r.Tags = append(r.Tags, strings.Repeat("t", i))
	}
	return r
}

func BenchmarkMsgpackEncode(b *testing.B) {
	c := codec.Msgpack[record]()
	v := benchRecord()
	dst, err := c.Encode(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(dst)))
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = c.Encode(dst[:0], v)
	}
}

func BenchmarkMsgpackDecode(b *testing.B) {
	c := codec.Msgpack[record]()
	data, err := c.Encode(nil, benchRecord())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeKeyString(b *testing.B) {
	c, err := codec.KeyFor[string]()
	if err != nil {
		b.Fatal(err)
	}
	key := "session:0123456789abcdef"
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = c.EncodeKey(dst[:0], key)
	}
}

func BenchmarkEncodeKeyUint64(b *testing.B) {
	c, err := codec.KeyFor[uint64]()
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	var k uint64
	for b.Loop() {
		k++
		dst, _ = c.EncodeKey(dst[:0], k)
	}
}
