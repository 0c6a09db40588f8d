package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/sqlite"
)

// Benchmarks write 1 KiB values: 512 random bytes in hex, so that the
// compress layer has something to do (about 2:1). Each benchmark runs on
// the bare Store and through layer chains. entries/s counts records
// stored or read per second of benchmark time.

func benchValue() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, 512)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	return []byte(hex.EncodeToString(raw))
}

type benchVariant struct {
	name string
	wrap func(b *testing.B, s store.Stage) store.Stage
}

var benchVariants = []benchVariant{
	{"plain", func(_ *testing.B, s store.Stage) store.Stage { return s }},
	// hashedkeys stores each record under the SHA-256 of its key, in hex,
	// as the encrypt layer names records: keys in random order, without
	// the cost of sealing.
	{"hashedkeys", func(_ *testing.B, s store.Stage) store.Stage { return hashKeys{s} }},
	{"compress", func(_ *testing.B, s store.Stage) store.Stage {
		return layer.Chain(s, layer.Compress(layer.CompressOptions{}))
	}},
	{"compress+encrypt", func(b *testing.B, s store.Stage) store.Stage {
		seal, err := crypto.GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		name, err := crypto.GenerateKey()
		if err != nil {
			b.Fatal(err)
		}
		kr, err := crypto.NewKeyring(crypto.AES256GCM, 1, seal)
		if err != nil {
			b.Fatal(err)
		}
		enc, err := layer.Encrypt(layer.EncryptOptions{Keyring: kr, NameKey: name, Store: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		return layer.Chain(s, layer.Compress(layer.CompressOptions{}), enc)
	}},
}

// hashKeys is a Stage that files records under the hash of their key.
type hashKeys struct{ store.Stage }

func hashKey(k []byte) []byte {
	h := sha256.Sum256(k)
	return []byte(hex.EncodeToString(h[:]))
}

func (h hashKeys) Put(ctx context.Context, r store.Record) error {
	r.Key = hashKey(r.Key)
	return h.Stage.Put(ctx, r)
}

func (h hashKeys) PutBatch(ctx context.Context, rs []store.Record) error {
	hs := make([]store.Record, len(rs))
	for i, r := range rs {
		r.Key = hashKey(r.Key)
		hs[i] = r
	}
	return h.Stage.(store.BatchPutter).PutBatch(ctx, hs)
}

func (h hashKeys) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	return h.Stage.Get(ctx, bucket, hashKey(key))
}

// openBench opens a Store in a fresh directory, wrapped as v says, and
// closes it when the benchmark ends.
func openBench(b *testing.B, v benchVariant) (store.Stage, string) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	s, err := sqlite.Open(path, &sqlite.Options{SweepInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	st := v.wrap(b, s)
	b.Cleanup(func() { _ = st.Close() })
	return st, path
}

func benchKey(i int) []byte { return fmt.Appendf(nil, "key-%09d", i) }

func reportEntries(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkPut stores one new record per operation, each in its own
// transaction.
func BenchmarkPut(b *testing.B) {
	value := benchValue()
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			s, _ := openBench(b, v)
			ctx := context.Background()
			b.SetBytes(int64(len(value)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if err := s.Put(ctx, store.Record{Bucket: "bench", Key: benchKey(n), Value: value}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportEntries(b, n)
		})
	}
}

// BenchmarkPutBatch stores 256 new records per operation in one
// transaction.
func BenchmarkPutBatch(b *testing.B) {
	const batch = 256
	value := benchValue()
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			s, _ := openBench(b, v)
			bp := s.(store.BatchPutter)
			ctx := context.Background()
			rs := make([]store.Record, batch)
			b.SetBytes(int64(batch * len(value)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				for j := range rs {
					rs[j] = store.Record{Bucket: "bench", Key: benchKey(n + j), Value: value}
				}
				if err := bp.PutBatch(ctx, rs); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			reportEntries(b, n)
		})
	}
}

// BenchmarkGet reads records at random from 10,000.
func BenchmarkGet(b *testing.B) {
	const keys = 10_000
	value := benchValue()
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			s, _ := openBench(b, v)
			ctx := context.Background()
			rs := make([]store.Record, keys)
			for i := range rs {
				rs[i] = store.Record{Bucket: "bench", Key: benchKey(i), Value: value}
			}
			if err := s.(store.BatchPutter).PutBatch(ctx, rs); err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(3, 4))
			b.SetBytes(int64(len(value)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if _, err := s.Get(ctx, "bench", benchKey(r.IntN(keys))); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportEntries(b, n)
		})
	}
}

// BenchmarkConnPerOp writes the way LiveDict's Python original did: per
// record, open a connection, write the record in a transaction of its own,
// close. The connection gets the same pragmas as a Store's writer (WAL,
// synchronous NORMAL, busy_timeout). "alone": nothing else has the file
// open, so each close is the last one and checkpoints the log, as in a
// Python process that held no other connection. "shared": a Store keeps the
// file open meanwhile, so closes do not checkpoint.
func BenchmarkConnPerOp(b *testing.B) {
	value := benchValue()
	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "alone", true: "shared"}[shared]
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.db")
			s, err := sqlite.Open(path, &sqlite.Options{SweepInterval: -1}) // creates the schema
			if err != nil {
				b.Fatal(err)
			}
			if shared {
				b.Cleanup(func() { _ = s.Close() })
			} else if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
			const upsert = `INSERT INTO livedict_records (bucket, key, value, expire_at) VALUES (?, ?, ?, 0)
				ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value, expire_at = excluded.expire_at`
			ctx := context.Background()
			b.SetBytes(int64(len(value)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				db, err := sql.Open("sqlite", dsn)
				if err != nil {
					b.Fatal(err)
				}
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, upsert, "bench", benchKey(n), value); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportEntries(b, n)
		})
	}
}
