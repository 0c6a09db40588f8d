package livedict_test

import (
	"context"
	"strings"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// session is a struct value of the kind a persisted bucket holds, about
// 600 bytes once encoded with msgpack.
type session struct {
	User    string            `msgpack:"user"`
	Roles   []string          `msgpack:"roles"`
	Claims  map[string]string `msgpack:"claims"`
	Counter int64             `msgpack:"counter"`
	Note    string            `msgpack:"note"`
}

// BenchmarkPersistSetStruct is BenchmarkPersistSet's write-through and
// write-behind-block cases with a struct value through codec.Msgpack:
// the flusher encodes each write, so the codec's cost is part of both.
func BenchmarkPersistSetStruct(b *testing.B) {
	v := session{User: "alice", Roles: []string{"admin", "beta"},
		Claims:  map[string]string{"iss": "livedict", "aud": "api"},
		Counter: 42, Note: strings.Repeat("note ", 100)}
	ring, nk := testKeys(b)
	for _, c := range []struct {
		name string
		mode livedict.Persistence
		full livedict.FullPolicy
	}{
		{"write-behind-block", livedict.WriteBehind, livedict.Block},
		{"write-through", livedict.WriteThrough, 0},
	} {
		b.Run("mode="+c.name, func(b *testing.B) {
			s := mustNew(b, &livedict.Options[int, session]{Persist: &livedict.Persist[int, session]{
				Backend: store.NewMemory(), Keyring: ring, NameKey: nk, Mode: c.mode,
				Codec: codec.Msgpack[session](), Compress: &layer.CompressOptions{},
				WhenFull: c.full, OnError: func(error) {},
			}})
			defer s.Close()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				v.Counter = int64(i)
				if err := s.Set(i&(1<<16-1), v, livedict.NoExpiry); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.StopTimer()
			if err := s.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}
