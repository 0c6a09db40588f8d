package layer_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// benchDoc is the value of the pipeline benchmarks: a record of the kind a
// cache holds, about 1 KiB once encoded with msgpack.
type benchDoc struct {
	ID    int64    `msgpack:"id"`
	Name  string   `msgpack:"name"`
	Email string   `msgpack:"email"`
	Tags  []string `msgpack:"tags"`
	Score float64  `msgpack:"score"`
	Body  string   `msgpack:"body"`
}

// newBenchDoc returns a document whose msgpack encoding is exactly 1024
// bytes, with a body of words drawn from a small vocabulary: text that
// compresses about as well as real prose.
func newBenchDoc(b *testing.B) benchDoc {
	words := strings.Fields("the a cache value key store layer record expiry bucket session user token " +
		"of to and in is for on with that this from by at as be are was")
	rng := rand.New(rand.NewPCG(1, 2))
	var body strings.Builder
	for body.Len() < 2048 {
		body.WriteString(words[rng.IntN(len(words))])
		body.WriteByte(' ')
	}
	doc := benchDoc{ID: 42, Name: "Ada Lovelace", Email: "ada@example.com", Tags: []string{"admin", "beta", "eu"}, Score: 0.97}
	c := codec.Msgpack[benchDoc]()
	for n := 900; n < body.Len(); n++ {
		doc.Body = body.String()[:n]
		enc, err := c.Encode(nil, doc)
		if err != nil {
			b.Fatal(err)
		}
		if len(enc) == 1024 {
			return doc
		}
	}
	b.Fatal("no body length gives a 1024-byte encoding")
	return doc
}

func benchEncrypt(b testing.TB) layer.Layer {
	l, err := layer.Encrypt(encryptOptions(b, newRing(b)))
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkPipeline measures one round trip of a 1 KiB value, Put then Get
// of the same key, through each part of the pipeline alone and through the
// whole of it. Compare medians of -count=10 with benchstat.
func BenchmarkPipeline(b *testing.B) {
	doc := newBenchDoc(b)
	c := codec.Msgpack[benchDoc]()
	encoded, err := c.Encode(nil, doc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	key := []byte("user:42")

	b.Run("Msgpack", func(b *testing.B) {
		b.SetBytes(int64(len(encoded)))
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, err = c.Encode(buf[:0], doc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Decode(buf); err != nil {
				b.Fatal(err)
			}
		}
	})

	// Stages over Memory, round-tripping the already encoded bytes.
	for _, bc := range []struct {
		name   string
		layers func(b *testing.B) []layer.Layer
	}{
		{"Memory", func(*testing.B) []layer.Layer { return nil }},
		{"Compress", func(*testing.B) []layer.Layer { return []layer.Layer{layer.Compress(layer.CompressOptions{})} }},
		{"Encrypt", func(b *testing.B) []layer.Layer { return []layer.Layer{benchEncrypt(b)} }},
		{"CompressEncrypt", func(b *testing.B) []layer.Layer {
			return []layer.Layer{layer.Compress(layer.CompressOptions{}), benchEncrypt(b)}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := layer.Chain(store.NewMemory(), bc.layers(b)...)
			defer s.Close()
			b.SetBytes(int64(len(encoded)))
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Put(ctx, store.Record{Key: key, Value: encoded}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Get(ctx, "", key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	// The whole way: msgpack, compression, encryption, Memory, and back.
	b.Run("Full", func(b *testing.B) {
		s := layer.Chain(store.NewMemory(), layer.Compress(layer.CompressOptions{}), benchEncrypt(b))
		defer s.Close()
		b.SetBytes(int64(len(encoded)))
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, err = c.Encode(buf[:0], doc)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Put(ctx, store.Record{Key: key, Value: buf}); err != nil {
				b.Fatal(err)
			}
			r, err := s.Get(ctx, "", key)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Decode(r.Value); err != nil {
				b.Fatal(err)
			}
		}
	})

	// The storage name, computed once on Put and once on Get.
	b.Run("Name", func(b *testing.B) {
		namer := crypto.NewNamer(mustKey(b, testNameKey))
		b.ReportAllocs()
		for b.Loop() {
			_ = namer.Name("", key)
		}
	})
}
