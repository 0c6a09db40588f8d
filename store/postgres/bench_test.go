package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
)

// Benchmarks write 1 KiB values, each run into a table of its own (in a
// fresh schema), and report entries/s: records made durable per second.

// benchValue is the value backendtest's write-behind benchmark writes.
func benchValue() []byte {
	v := make([]byte, 1024)
	for i := range v {
		v[i] = byte(i % 61)
	}
	return v
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(context.Background(), testDSN(), &Options{Schema: newSchema(b), SweepInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkWriteBehindVsCopy compares what an application sees, Sets into
// a write-behind Store and the Flush that makes them durable (plain, and
// sealed: s2 and AES-256-GCM), with the fastest way PostgreSQL loads the
// same rows: one pgx COPY into the same table layout.
func BenchmarkWriteBehindVsCopy(b *testing.B) {
	b.Run("store", func(b *testing.B) {
		backendtest.BenchmarkStoreWriteBehind(b, func(b *testing.B) store.Stage { return benchStore(b) })
	})
	b.Run("copy", func(b *testing.B) {
		s := benchStore(b)
		defer s.Close()
		value := benchValue()
		ctx := context.Background()
		b.ResetTimer()
		rows := make([][]any, b.N)
		for i := range rows {
			rows[i] = []any{[]byte{}, binary.BigEndian.AppendUint64(nil, uint64(i)), value, pgtype.Timestamptz{}}
		}
		n, err := s.pool.CopyFrom(ctx, pgx.Identifier{s.names.schema, DefaultTable},
			[]string{"bucket", "key", "value", "expire_at"}, pgx.CopyFromRows(rows))
		if err != nil || n != int64(b.N) {
			b.Fatalf("CopyFrom = %d, %v", n, err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	})
}

// BenchmarkPutBatch compares the two ways of writing a batch: the unnest
// upsert PutBatch uses, and COPY into a temporary table followed by one
// upsert from it, in one transaction.
func BenchmarkPutBatch(b *testing.B) {
	value := benchValue()
	records := func(n, from int) []store.Record {
		rs := make([]store.Record, n)
		for j := range rs {
			rs[j] = store.Record{Bucket: "bench", Key: binary.BigEndian.AppendUint64(nil, uint64(from+j)), Value: value}
		}
		return rs
	}
	for _, size := range []int{256, 4096} {
		b.Run(fmt.Sprintf("unnest/%d", size), func(b *testing.B) {
			s := benchStore(b)
			defer s.Close()
			i := 0
			for b.Loop() {
				if err := s.PutBatch(context.Background(), records(size, i*size)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i*size)/b.Elapsed().Seconds(), "entries/s")
		})
		b.Run(fmt.Sprintf("copytemp/%d", size), func(b *testing.B) {
			s := benchStore(b)
			defer s.Close()
			i := 0
			for b.Loop() {
				if err := copyUpsert(context.Background(), s, records(size, i*size)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(i*size)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// copyUpsert is the alternative to PutBatch's statement that
// BenchmarkPutBatch measures.
func copyUpsert(ctx context.Context, s *Store, rs []store.Record) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE livedict_batch (bucket bytea, key bytea, value bytea, expire_at timestamptz) ON COMMIT DROP`); err != nil {
			return err
		}
		rows := make([][]any, len(rs))
		for i, r := range rs {
			rows[i] = []any{[]byte(r.Bucket), r.Key, r.Value, toTimestamptz(r.ExpireAt)}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"livedict_batch"}, []string{"bucket", "key", "value", "expire_at"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO `+s.names.table+` (bucket, key, value, expire_at) SELECT * FROM livedict_batch
			ON CONFLICT (bucket_hash, key_hash) DO UPDATE SET value = excluded.value, expire_at = excluded.expire_at`)
		return err
	})
}

// BenchmarkPut is one record per call, each its own commit.
func BenchmarkPut(b *testing.B) {
	s := benchStore(b)
	defer s.Close()
	value := benchValue()
	i := 0
	for b.Loop() {
		if err := s.Put(context.Background(), store.Record{Bucket: "bench", Key: binary.BigEndian.AppendUint64(nil, uint64(i)), Value: value}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkGet reads one of 1024 records per call.
func BenchmarkGet(b *testing.B) {
	s := benchStore(b)
	defer s.Close()
	value := benchValue()
	rs := make([]store.Record, 1024)
	for i := range rs {
		rs[i] = store.Record{Bucket: "bench", Key: binary.BigEndian.AppendUint64(nil, uint64(i)), Value: value}
	}
	if err := s.PutBatch(context.Background(), rs); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := s.Get(context.Background(), "bench", rs[i%len(rs)].Key); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "entries/s")
}
