// Package sqlite is a LiveDict backend that keeps records in one SQLite
// file, through modernc.org/sqlite, a SQLite compiled to Go: no cgo and no
// system library.
//
// [Open] (or [OpenURL], or store.Open with a "sqlite:" URL once this package
// is imported) returns a [Store], which implements store.Stage,
// store.BatchPutter and store.Pinger:
//
//	s, err := sqlite.Open("/var/lib/app/live.db", &sqlite.Options{Synchronous: sqlite.SynchronousFull})
//
//	import _ "github.com/livedict/livedict/store/sqlite"
//	s, err := store.Open(ctx, "sqlite:///var/lib/app/live.db?synchronous=full")
//
// # Options
//
// See [Options]; each field's zero value is its default.
//
//   - Synchronous: SynchronousNormal (default) or SynchronousFull; see
//     Durability.
//   - BusyTimeout (default 5s): how long a statement waits for a lock that
//     another connection or process holds.
//   - Readers (default 4): read-only connections serving Get and Scan.
//   - SweepInterval (default 1m, negative disables): how often expired rows
//     are deleted; OnSweep observes each sweep.
//
// [OpenURL] documents the URL form and the query parameters that map to
// these fields.
//
// # Storage
//
// The file holds two tables:
//
//	livedict_meta(name TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID
//	livedict_records(bucket TEXT, key BLOB, value BLOB, expire_at INTEGER,
//	                 PRIMARY KEY(bucket, key))
//
// with a partial index on expire_at (WHERE expire_at > 0). expire_at is the
// record's expiry in Unix milliseconds, rounded down, and 0 for a record
// that never expires; an expiry at or before the epoch is stored as 1 and
// one after the year 292 million as the largest int64. Buckets are bound as
// text and keys and values as blobs, byte for byte: any bucket string and
// any key bytes are stored as they are and compared bytewise. livedict_meta
// records [SchemaVersion]; Open creates both tables on a new file in one
// transaction (two processes may create the same file at once) and refuses
// a file of another version with an error matching [ErrSchemaVersion].
// Other tables in the file are left alone.
//
// livedict_records is an ordinary rowid table whose primary key is a unique
// index beside it, not a WITHOUT ROWID table. SQLite keeps a WITHOUT ROWID
// row whole in its b-tree page only up to about a quarter of a page, so on
// 4 KiB pages every 1 KiB value spilled to an overflow page (a file four
// times larger), and with keys in random order, as the encrypt layer's
// hashed names are, batched writes were three times slower (even on 16 KiB
// pages) than with the rowid table, which moves only small index entries
// when pages split.
//
// The file is in WAL mode. All writes go through one connection (SQLite
// admits one writer at a time; database/sql queues the rest), each Put and
// each PutBatch one transaction. Get and Scan use a pool of connections
// with the query_only pragma, which read alongside the writer. Several
// Stores, in one process or in several, may use the same file: their
// writes take turns on SQLite's write lock, waiting up to BusyTimeout.
// The file must be on a local file system (WAL needs shared memory).
//
// # Durability
//
// When Put or PutBatch returns nil, SQLite has committed the records to
// the write-ahead log and they survive a crash of the process. With
// SynchronousNormal the log is fsynced at checkpoints only, so a power loss
// or an operating system crash may lose the last commits (never the
// consistency of the file). With SynchronousFull each commit is fsynced
// and survives a power loss too, at the cost of one fsync per Put or
// PutBatch. The last connection to close checkpoints the log into the main
// file. The crash test of this package kills a writing process with
// SIGKILL twenty times and finds every acknowledged record intact.
//
// # Expiry
//
// Get and Scan compare expire_at with the clock at each call and never
// return a record whose expiry has passed; a record may vanish up to a
// millisecond early, as the store contract allows. Expired rows are deleted
// by [Store.Sweep], in transactions of 1000 rows, which a background
// goroutine calls every SweepInterval until Close. The sweeper is this
// package's own, so Store does not implement store.NativeTTL: SQLite has
// no expiry of its own, and a caller that disables the sweeper must call
// Sweep to reclaim the space.
//
// # Limits
//
// A record (bucket, key and value together) may be up to SQLite's
// SQLITE_MAX_LENGTH, 1,000,000,000 bytes in this build; a Put of more fails
// with SQLite's "string or blob too big" error and stores nothing. Each value is copied once into SQLite's memory when
// bound. Scan reads 512 records, or 8 MiB of keys and values, per read
// transaction, and yields them in key order. In-memory databases are not
// offered: they would not survive a reopen.
package sqlite
