package fs

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// Benchmarks report entries/s. Every write is durable (fsync of the file
// and of its directory) unless the variant is nosync. Values are 1 KiB of
// text that compresses to about half. Put and PutBatch write new keys, so
// they measure inserts.
//
// Stores live under $LIVEDICT_FS_BENCH_DIR (default: the system's temporary
// directory) and are removed only when the test binary ends: on ext4
// without a journal, creating a file right after many were deleted is slow
// (the inode allocator skips recently deleted inodes), so removing one
// benchmark's files would slow down the next.

var bench struct {
	once sync.Once
	root string
	err  error
}

// benchDir returns a new directory under the benchmarks' root.
func benchDir(b *testing.B) string {
	bench.once.Do(func() {
		bench.root, bench.err = os.MkdirTemp(os.Getenv("LIVEDICT_FS_BENCH_DIR"), "livedict-fs-bench")
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	dir, err := os.MkdirTemp(bench.root, "store")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

func removeBenchDirs() {
	if bench.root != "" {
		_ = os.RemoveAll(bench.root)
	}
}

const benchValueSize = 1 << 10

func benchValue(seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]byte, benchValueSize)
	for i := range v {
		v[i] = "abcdefghijklmnop"[rng.IntN(16)]
	}
	return v
}

type benchVariant struct {
	name string
	open func(b *testing.B) store.Stage
}

func benchVariants() []benchVariant {
	plain := func(opts *Options) func(b *testing.B) store.Stage {
		return func(b *testing.B) store.Stage {
			s, err := Open(benchDir(b), opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}
	}
	return []benchVariant{
		{"plain", plain(nil)},
		{"nosync", plain(&Options{NoSync: true})},
		{"compress", func(b *testing.B) store.Stage {
			return layer.Chain(plain(nil)(b), layer.Compress(layer.CompressOptions{}))
		}},
		{"compress+encrypt", func(b *testing.B) store.Stage {
			key, err := crypto.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			nameKey, err := crypto.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			kr, err := crypto.NewKeyring(crypto.AES256GCM, 1, key)
			if err != nil {
				b.Fatal(err)
			}
			enc, err := layer.Encrypt(layer.EncryptOptions{Keyring: kr, NameKey: nameKey, Store: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			return layer.Chain(plain(nil)(b), layer.Compress(layer.CompressOptions{}), enc)
		}},
	}
}

func benchKey(i int) []byte { return fmt.Appendf(nil, "key-%08d", i) }

func BenchmarkPut(b *testing.B) {
	for _, v := range benchVariants() {
		b.Run(v.name, func(b *testing.B) {
			s := v.open(b)
			val := benchValue(1)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r := store.Record{Bucket: "bench", Key: benchKey(n), Value: val}
				if err := s.Put(b.Context(), r); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, v := range benchVariants() {
		b.Run(v.name, func(b *testing.B) {
			s := v.open(b)
			const keys = 1024
			rs := make([]store.Record, keys)
			for i := range rs {
				rs[i] = store.Record{Bucket: "bench", Key: benchKey(i), Value: benchValue(uint64(i))}
			}
			if err := s.(store.BatchPutter).PutBatch(b.Context(), rs); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r, err := s.Get(b.Context(), "bench", rs[n%keys].Key)
				if err != nil || len(r.Value) != benchValueSize {
					b.Fatalf("Get = %d bytes, %v", len(r.Value), err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

func BenchmarkPutBatch(b *testing.B) {
	const batch = 256
	for _, v := range benchVariants() {
		b.Run(v.name, func(b *testing.B) {
			bp := v.open(b).(store.BatchPutter)
			val := benchValue(1)
			rs := make([]store.Record, batch)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for i := range rs {
					rs[i] = store.Record{Bucket: "bench", Key: benchKey(n + i), Value: val}
				}
				if err := bp.PutBatch(b.Context(), rs); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
