package badger_test

import (
	"testing"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

func BenchmarkStoreWriteBehind(b *testing.B) {
	backendtest.BenchmarkStoreWriteBehind(b, func(b *testing.B) store.Stage {
		s, err := badger.Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkStoreWriteBehindTuned is BenchmarkStoreWriteBehind with each of
// the two settings that decide its rate changed: memtables of 64 MiB
// (Badger's own default, about four times the heap of ours) and values of
// 512 bytes or more kept in Badger's value log (written once instead of
// again by every compaction; their space then comes back only through
// value log GC). The package documentation, under Options, weighs both.
func BenchmarkStoreWriteBehindTuned(b *testing.B) {
	for _, v := range []struct {
		name string
		opts badger.Options
	}{
		{"memtable64M", badger.Options{MemTableSize: 64 << 20}},
		{"valuelog512", badger.Options{Tune: func(o *bdg.Options) { o.ValueThreshold = 512 }}},
	} {
		b.Run(v.name, func(b *testing.B) {
			backendtest.BenchmarkStoreWriteBehind(b, func(b *testing.B) store.Stage {
				opts := v.opts
				s, err := badger.Open(b.TempDir(), &opts)
				if err != nil {
					b.Fatal(err)
				}
				return s
			})
		})
	}
}
