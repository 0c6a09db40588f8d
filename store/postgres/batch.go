package postgres

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/livedict/livedict/store"
)

// One statement of a PutBatch carries at most this many records, or this
// many bytes of keys and values (a record larger than that goes alone).
// pgx builds each statement's message in memory, so the bound is also one
// on the memory a batch costs beyond its records.
const (
	defaultChunkRows  = 4096
	defaultChunkBytes = 16 << 20
)

// PutBatch stores rs in one transaction: one INSERT ... SELECT FROM
// unnest(...) ON CONFLICT DO UPDATE statement per chunk of up to 4096
// records or 16 MiB, so a batch of any size costs a few round trips and
// one commit. When it returns nil every record is committed; when it
// fails, none is.
//
// A key that appears more than once in rs is stored with its last record,
// as Puts in order would leave it (PostgreSQL refuses to upsert one row
// twice in a statement). Records are written in (bucket, key) order, so
// batches of several Stores that overlap take their row locks in the same
// order and do not deadlock one another.
func (s *Store) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := s.gate.Enter(ctx); err != nil {
		return fmt.Errorf("postgres: put batch: %w", err)
	}
	defer s.gate.Leave()
	if len(rs) == 0 {
		return nil
	}
	chunks := s.chunks(lastWins(rs))
	err := s.withConn(ctx, func(c *pgxpool.Conn) error {
		if len(chunks) == 1 {
			_, err := c.Exec(ctx, s.q.putBatch, chunks[0].args()...)
			return err
		}
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			for i, ch := range chunks {
				if _, err := tx.Exec(ctx, s.q.putBatch, ch.args()...); err != nil {
					return err
				}
				if i == 0 && s.midBatch != nil {
					s.midBatch(ctx, c.Conn())
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("postgres: put batch of %d: %w", len(rs), err)
	}
	return nil
}

// lastWins returns the records of rs sorted by bucket and key, each key
// once with its last record in rs. rs itself is left as it was.
func lastWins(rs []store.Record) []store.Record {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, compareRecords)
	// Of each run of equal keys keep the last, the latest write.
	keep := out[:0]
	for i := range out {
		if i+1 < len(out) && compareRecords(out[i], out[i+1]) == 0 {
			continue
		}
		keep = append(keep, out[i])
	}
	return keep
}

// compareRecords orders records by bucket, then key, bytewise: any order
// would do, as long as every Store writes in the same one.
func compareRecords(a, b store.Record) int {
	if c := cmp.Compare(a.Bucket, b.Bucket); c != 0 {
		return c
	}
	return bytes.Compare(a.Key, b.Key)
}

// chunk is the columns of one statement of a PutBatch.
type chunk struct {
	buckets, keys, values [][]byte
	expires               []pgtype.Timestamptz
}

func (c chunk) args() []any { return []any{c.buckets, c.keys, c.values, c.expires} }

// chunks splits sorted records into statements of at most s.chunkRows
// records and s.chunkBytes bytes of keys and values.
func (s *Store) chunks(rs []store.Record) []chunk {
	var (
		out  []chunk
		cur  chunk
		size int
		last []byte // the previous record's bucket, shared by its run
	)
	for i, r := range rs {
		n := len(r.Bucket) + len(r.Key) + len(r.Value)
		if len(cur.keys) > 0 && (len(cur.keys) == s.chunkRows || size+n > s.chunkBytes) {
			out = append(out, cur)
			cur, size = chunk{}, 0
		}
		if cur.keys == nil {
			m := min(len(rs)-i, s.chunkRows)
			cur = chunk{
				buckets: make([][]byte, 0, m), keys: make([][]byte, 0, m),
				values: make([][]byte, 0, m), expires: make([]pgtype.Timestamptz, 0, m),
			}
		}
		if last == nil || string(last) != r.Bucket {
			last = []byte(r.Bucket)
		}
		cur.buckets = append(cur.buckets, last)
		cur.keys = append(cur.keys, nonNil(r.Key))
		cur.values = append(cur.values, nonNil(r.Value))
		cur.expires = append(cur.expires, toTimestamptz(r.ExpireAt))
		size += n
	}
	return append(out, cur)
}
