package badger_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

// Benchmarks write and read 1 KiB values, half random bytes and half
// repeated text, so compression roughly halves them. Each runs on the
// backend alone and under the layers LiveDict puts in front of it, with
// Badger syncing every commit (the default) and without (NoSync).
// Throughput is reported as entries/s.

const benchValueSize = 1 << 10

func benchValue(r *rand.Rand) []byte {
	v := make([]byte, benchValueSize)
	for i := range v[:benchValueSize/2] {
		v[i] = byte(r.Uint32())
	}
	for i := benchValueSize / 2; i < benchValueSize; i++ {
		v[i] = "livedict value "[i%15]
	}
	return v
}

func benchKey(i int) []byte { return fmt.Appendf(nil, "key-%09d", i) }

// benchStack is a pipeline in front of the backend.
type benchStack struct {
	name   string
	layers func(b *testing.B) []layer.Layer
}

func benchStacks() []benchStack {
	return []benchStack{
		{"plain", func(*testing.B) []layer.Layer { return nil }},
		{"compress", func(*testing.B) []layer.Layer {
			return []layer.Layer{layer.Compress(layer.CompressOptions{})}
		}},
		{"compress+encrypt", func(b *testing.B) []layer.Layer {
			return []layer.Layer{layer.Compress(layer.CompressOptions{}), benchEncrypt(b)}
		}},
	}
}

// benchEncrypt returns an AES-256-GCM encrypt layer with fresh keys.
func benchEncrypt(b *testing.B) layer.Layer {
	b.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	nameKey, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		b.Fatal(err)
	}
	l, err := layer.Encrypt(layer.EncryptOptions{Keyring: ring, NameKey: nameKey, Store: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

var benchDurability = []struct {
	name   string
	noSync bool
}{{"sync", false}, {"nosync", true}}

// openBench opens a fresh store under b's temp directory, wrapped in
// stack, closed when b ends.
func openBench(b *testing.B, stack benchStack, noSync bool) store.Stage {
	b.Helper()
	s, err := badger.Open(b.TempDir(), &badger.Options{NoSync: noSync, ValueLogGCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	st := layer.Chain(s, stack.layers(b)...)
	b.Cleanup(func() {
		if err := st.Close(); err != nil {
			b.Error(err)
		}
	})
	return st
}

func reportEntries(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkPut stores one record per call.
func BenchmarkPut(b *testing.B) {
	for _, stack := range benchStacks() {
		for _, d := range benchDurability {
			b.Run(stack.name+"/"+d.name, func(b *testing.B) {
				s := openBench(b, stack, d.noSync)
				r := rand.New(rand.NewPCG(1, 2))
				v := benchValue(r)
				ctx := b.Context()
				b.SetBytes(benchValueSize)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := s.Put(ctx, store.Record{Bucket: "bench", Key: benchKey(i), Value: v}); err != nil {
						b.Fatal(err)
					}
					i++
				}
				reportEntries(b, b.N)
			})
		}
	}
}

// BenchmarkPutBatch stores 256 records per call, as a write-behind flush
// does by default, and 1024, where one sync serves four times as many
// records.
func BenchmarkPutBatch(b *testing.B) {
	for _, batch := range []int{256, 1024} {
		for _, stack := range benchStacks() {
			for _, d := range benchDurability {
				b.Run(fmt.Sprintf("%d/%s/%s", batch, stack.name, d.name), func(b *testing.B) {
					benchPutBatch(b, batch, stack, d.noSync)
				})
			}
		}
	}
}

func benchPutBatch(b *testing.B, batch int, stack benchStack, noSync bool) {
	s := openBench(b, stack, noSync).(store.BatchPutter)
	r := rand.New(rand.NewPCG(1, 2))
	v := benchValue(r)
	rs := make([]store.Record, batch)
	ctx := b.Context()
	b.SetBytes(int64(batch) * benchValueSize)
	b.ReportAllocs()
	next := 0
	for b.Loop() {
		for j := range rs {
			rs[j] = store.Record{Bucket: "bench", Key: benchKey(next), Value: v}
			next++
		}
		if err := s.PutBatch(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	reportEntries(b, b.N*batch)
}

// BenchmarkPutBatchDrain stores batches of 16384 records, the size of a
// drain of a LiveDict Store's write-back queue under sustained writes (it
// drains as soon as a quarter of its default 65536 writes wait): several
// Badger transactions per batch.
func BenchmarkPutBatchDrain(b *testing.B) {
	for _, d := range benchDurability {
		b.Run("16384/plain/"+d.name, func(b *testing.B) {
			benchPutBatch(b, 16384, benchStacks()[0], d.noSync)
		})
	}
}

// BenchmarkPutBatchExpiring is BenchmarkPutBatch/256/plain with every
// record expiring in an hour, so each value carries an expiry header.
func BenchmarkPutBatchExpiring(b *testing.B) {
	for _, d := range benchDurability {
		b.Run("256/plain/"+d.name, func(b *testing.B) {
			s := openBench(b, benchStacks()[0], d.noSync).(store.BatchPutter)
			v := benchValue(rand.New(rand.NewPCG(1, 2)))
			exp := time.Now().Add(time.Hour)
			rs := make([]store.Record, 256)
			b.SetBytes(256 * benchValueSize)
			b.ReportAllocs()
			next := 0
			for b.Loop() {
				for j := range rs {
					rs[j] = store.Record{Bucket: "bench", Key: benchKey(next), Value: v, ExpireAt: exp}
					next++
				}
				if err := s.PutBatch(b.Context(), rs); err != nil {
					b.Fatal(err)
				}
			}
			reportEntries(b, b.N*256)
		})
	}
}

// BenchmarkGet reads random records of 10,000 written before the timer
// starts.
func BenchmarkGet(b *testing.B) {
	const n = 10000
	for _, stack := range benchStacks() {
		b.Run(stack.name, func(b *testing.B) {
			s := openBench(b, stack, true)
			r := rand.New(rand.NewPCG(1, 2))
			ctx := b.Context()
			rs := make([]store.Record, 0, 500)
			for i := range n {
				rs = append(rs, store.Record{Bucket: "bench", Key: benchKey(i), Value: benchValue(r)})
				if len(rs) == cap(rs) {
					if err := s.(store.BatchPutter).PutBatch(ctx, rs); err != nil {
						b.Fatal(err)
					}
					rs = rs[:0]
				}
			}
			b.SetBytes(benchValueSize)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, "bench", benchKey(r.IntN(n))); err != nil {
					b.Fatal(err)
				}
			}
			reportEntries(b, b.N)
		})
	}
}

// BenchmarkPutBatchParallel stores batches of 256 from 4×GOMAXPROCS
// goroutines at once: Badger's writer commits the batches waiting together
// and syncs once for all of them, so with sync on, concurrent batches
// amortize the sync where one writer cannot.
func BenchmarkPutBatchParallel(b *testing.B) {
	const batch = 256
	for _, d := range benchDurability {
		b.Run("256/plain/"+d.name, func(b *testing.B) {
			s := openBench(b, benchStacks()[0], d.noSync).(store.BatchPutter)
			v := benchValue(rand.New(rand.NewPCG(1, 2)))
			ctx := b.Context()
			var next atomic.Int64
			b.SetBytes(batch * benchValueSize)
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				rs := make([]store.Record, batch)
				for pb.Next() {
					base := int(next.Add(batch)) - batch
					for j := range rs {
						rs[j] = store.Record{Bucket: "bench", Key: benchKey(base + j), Value: v}
					}
					if err := s.PutBatch(ctx, rs); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportEntries(b, b.N*batch)
		})
	}
}
