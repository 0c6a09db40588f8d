// Package postgres is a LiveDict backend that keeps records in a
// PostgreSQL table, through pgx v5 and its connection pool, so that
// processes on several hosts can share durable state.
//
// [Open] (or [OpenPool] with a pool of your own, or [OpenURL], or
// store.Open with a "postgres://" or "postgresql://" URL once this
// package is imported) returns a [Store], which implements store.Stage,
// store.BatchPutter, store.BucketLister, store.NativeTTL and
// store.Pinger:
//
//	s, err := postgres.Open(ctx, "postgres://app@db.internal/app", &postgres.Options{Schema: "cache"})
//
//	import _ "github.com/livedict/livedict/store/postgres"
//	s, err := store.Open(ctx, "postgres://app@db.internal/app?schema=cache&table=sessions")
//
// # Options
//
// See [Options]; each field's zero value is its default.
//
//   - Schema (default: the connection's search_path) and Table (default
//     livedict_records): where the records live. Both must be plain
//     lower-case identifiers; a missing schema is created.
//   - MaxConns (default: pgx's, the larger of 4 and the CPU count): the
//     pool's size, for Open and OpenURL.
//   - SweepInterval (default 1m, negative disables) and SweepBatch
//     (default 1000): how often and in what steps expired rows are
//     deleted; OnSweep observes each sweep.
//
// [OpenURL] documents the URL form: LiveDict's parameters are taken out
// and every other one goes to pgx (sslmode, pool_*, application_name,
// server settings).
//
// # Storage
//
// A Store uses two tables, created in one transaction on first Open:
//
//	<table>(bucket bytea, key bytea, value bytea, expire_at timestamptz,
//	        bucket_hash bytea GENERATED ALWAYS AS (sha256(bucket)) STORED,
//	        key_hash bytea GENERATED ALWAYS AS (sha256(key)) STORED,
//	        PRIMARY KEY (bucket_hash, key_hash))
//	<table>_meta(name text PRIMARY KEY, value bigint)
//
// with a partial index <table>_expire_at on expire_at (WHERE expire_at IS
// NOT NULL). Buckets, keys and values are bytea, stored and compared byte
// for byte: a bucket is any Go string, and text would refuse NUL bytes and
// invalid UTF-8. The primary key is on the SHA-256 of bucket and key, which
// PostgreSQL computes, because a B-tree entry holds at most about 2.7 KB
// and a key may be 10 KB of random bytes; every lookup also compares the
// bytes themselves. Other programs insert rows naming the four first
// columns only. expire_at is NULL for a record that never expires. It is
// a timestamptz rather than a bigint count of milliseconds or nanoseconds
// because it stays readable to everyone else who looks at the table (psql,
// a report, a partitioning or pg_cron job can say expire_at < now()), it
// costs the same 8 bytes, it keeps microseconds (the store contract asks
// for milliseconds), and it spans every expiry a program sets where
// nanoseconds in a bigint end in 2262.
//
// The meta table records [SchemaVersion]. Open takes an advisory lock on
// the table's name for its set-up, so Stores opening one new table at once,
// in any process, take turns; it creates only what is missing, so a role
// with no CREATE privilege can open tables made for it; and it refuses,
// with an error matching [ErrSchemaVersion] and without changing anything,
// a table of another version or one LiveDict did not create.
//
// # Writes and connections
//
// Put and Delete are one statement each. PutBatch writes its records with
// INSERT ... SELECT FROM unnest($1::bytea[], ...) ON CONFLICT DO UPDATE,
// one statement per 4096 records or 16 MiB, all in one transaction: one
// commit and a few round trips for any batch, all or nothing. (COPY into a
// temporary table and one upsert from it measured within the noise of it
// here, sometimes ahead for large batches, and creates a table in the
// catalog per batch: docs/benchmarks.md.) A key given twice in one batch
// keeps its last record, and records go in (bucket, key) order, so
// overlapping batches from several hosts do not deadlock each other.
//
// A call whose connection is lost (a server restart, pg_terminate_backend,
// a proxy's timeout) or whose transaction PostgreSQL aborted for a
// deadlock or a serialization failure runs again on a fresh connection,
// up to 3 attempts; the pool replaces dead connections. Every operation is
// a read, a blind upsert or a delete in one transaction, so running it
// again after an unknown outcome leaves what running it once would. The
// tests kill the Store's connections with pg_terminate_backend mid-batch
// and under load, and find no acknowledged record lost.
//
// # Durability
//
// When Put, PutBatch or Delete returns nil, PostgreSQL has committed it.
// With the server's default synchronous_commit = on the commit is flushed
// to the write-ahead log on disk and survives a crash of the server or of
// the machine; with synchronous_commit = off (which the Store's
// connections get from a synchronous_commit=off URL parameter) the last
// commits before a server crash may be lost, never the consistency of the
// table.
// Replication to standbys follows the server's synchronous_standby_names.
// No write is acknowledged before its commit, so the Store offers no
// Flush: there is nothing to wait for. A client killed mid-batch leaves
// nothing: the server rolls back its open transaction. The crash test of
// this package kills a writing process with SIGKILL twenty times and finds
// every acknowledged record intact.
//
// # Expiry and clocks
//
// Get, Scan and Buckets compare expire_at with the client's clock, the
// time.Now of the process calling, sent with each query; never with the
// server's now(). A record's expiry was computed from a client's clock
// (Set's TTL), and the store contract promises that a record is not
// returned once time.Now has reached its expiry, which only the client's
// clock can keep. A record may vanish up to a microsecond early. When
// several hosts share a table their clocks should agree (NTP): near an
// expiry, a host whose clock runs ahead stops seeing a record before one
// whose clock runs behind, by their skew.
//
// Expired rows are deleted by [Store.Sweep], also by the client's clock,
// in statements of SweepBatch rows with FOR UPDATE SKIP LOCKED, so that the
// sweepers of several hosts share the work and never wait on a writer. A
// background goroutine calls it every SweepInterval until Close, and while
// it runs Store.NativeTTL reports true.
//
// # Limits
//
// A value may be up to PostgreSQL's 1 GB for a bytea; pgx holds a whole
// statement in memory, so values of more than some megabytes are better
// kept elsewhere. Scan reads 512 records, or 8 MiB of keys and values, per
// statement, in the order of the keys' hashes, and holds no connection or
// transaction while it yields, so its loop body may call the Store.
// Buckets reads 256 names per statement by skipping through the primary
// key, a few index probes per bucket; a bucket whose rows have all expired
// is left out, at the cost of reading past those rows until they are
// swept.
package postgres
