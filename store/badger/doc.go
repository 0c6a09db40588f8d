// Package badger is a LiveDict backend over Badger v4
// (github.com/dgraph-io/badger/v4), an embedded key-value store with
// native expiry. A [Store] implements [store.Stage] and the capabilities
// [store.BatchPutter], [store.NativeTTL] and [store.Pinger], and passes
// package storetest in full.
//
//	s, err := badger.Open("/var/lib/app/cache", nil)
//	// or, once this package is imported (a blank import is enough):
//	st, err := store.Open(ctx, "badger:///var/lib/app/cache?sync=true&gc=5m")
//
// # Durability
//
// By default Badger's SyncWrites is on: Put, PutBatch and Delete return nil
// only after the record is in Badger's write-ahead log and the log has been
// synced to disk, so an acknowledged write survives a crash of the process
// or of the machine. Badger groups the writes of concurrent callers into
// one sync, and PutBatch syncs once per batch (once per Badger transaction
// when a batch is split; see Limits), which is why batching, as LiveDict's
// write-behind layer does, is much faster than single writes.
//
// With [Options.NoSync] (URL sync=false) a write returns once it is in the
// memory-mapped log: it survives the process being killed, but the writes
// of the last moments may be lost if the machine stops. Either way, Close
// flushes the memtable, and data written before Close is there when the
// directory is opened again, in this process or another.
//
// # Expiry
//
// A record's ExpireAt is kept to the millisecond (rounded down) in an
// 8-byte header before its value, marked by Badger's UserMeta byte; records
// without expiry are stored as given. Get and Scan compare it with
// time.Now and never return a record whose ExpireAt is not after now.
// Badger's own TTL, which has one-second granularity, is set to the next
// whole second: Badger treats the record as gone at most a second after it
// became invisible here and reclaims its space in compactions and value log
// GC, so LiveDict need not sweep the backend ([Store.NativeTTL] reports
// true).
//
// # Keys and buckets
//
// A record's Badger key is the byte 'r', the length of its bucket as a
// uvarint, the bucket, then the key's bytes unchanged. A length-prefixed
// bucket keeps buckets isolated for any names and keys: "a" never sees the
// records of "ab", and Scan iterates exactly its bucket's prefix. The tag
// byte keeps record keys out of Badger's reserved "!badger!" key space.
//
// Scan reads a page of records (at most 256, or 4 MiB) per Badger read
// transaction and holds no lock while the caller's loop body runs, which
// may therefore call the store, even Close it. Records written during a
// scan may or may not be seen; no record is yielded twice.
//
// # Options
//
// [Options] (nil means all defaults) hold NoSync, ValueLogGCInterval (value
// log GC every 5 minutes by default, in a goroutine that Close stops;
// negative disables), MemTableSize (16 MiB), ValueLogFileSize (64 MiB),
// Logger (Badger's warnings and errors go to slog.Default(); its chatty
// info messages are dropped) and Tune, a hook that may change any other
// Badger option. The defaults differ from Badger's, which are sized for a
// database server: memtables of 16 MiB (up to 3), no block cache, no block
// compression (compress values with layer.Compress instead, before they
// are encrypted), values of 64 KiB and more kept in the value log, and
// conflict detection off, since every write is a blind put or delete.
// Measured with these defaults, an open store holds about 21 MiB of Go heap
// (one memtable); under sustained writes Badger's extra memtables and its
// flush and compaction buffers take it to 250–320 MiB (writing 1.25 GiB of
// 1 KiB values, without sync); 64 MiB memtables, as Badger has them, reach
// about 300 MiB after only 250 MiB written. A smaller MemTableSize lowers
// both, at some cost in write throughput.
//
// Keeping values under 64 KiB in the LSM tree lets Badger's compactions
// reclaim the space of overwritten and expired records by themselves. A
// lower ValueThreshold through Tune (512 bytes, say) sends small values to
// the value log instead: on 1 KiB values it wrote batches about 1.6 times
// as fast without sync and 1.2 times as fast with it, but their space then
// comes back only through value log GC.
//
// # Limits
//
//   - A key plus its bucket may be up to about 65000 bytes (Badger's key
//     limit); longer ones give an error matching [ErrTooLarge].
//   - A value may be up to [Options.ValueLogFileSize] bytes (64 MiB by
//     default; minus 8 with an expiry); larger ones give [ErrTooLarge].
//   - One Badger transaction holds 15% of a memtable (about 2.4 MiB by
//     default). PutBatch validates every record, then commits as many
//     transactions as the batch needs; it is not atomic, as the contract
//     allows, and checks its context between transactions.
//   - The directory is locked while open: a second Open, here or in
//     another process, gives [ErrLocked].
//
// # URL form
//
//	badger:///absolute/dir?sync=true&gc=5m
//	badger:relative/dir
//
// sync (a boolean, default true) is the opposite of NoSync; gc (a Go
// duration, default 5m, 0 disables) is ValueLogGCInterval. Anything else,
// a host, a user or a fragment, gives an error matching [ErrInvalidURL].
//
// # Errors
//
// After Close every method but Close returns an error matching
// [store.ErrClosed], never Badger's own error or panic: Close waits for the
// calls in progress and the calls after it fail before reaching Badger. A
// stored value this package could not have written gives [ErrCorrupt] from
// Get; Scan yields it as a Record with only Bucket set and that error, and
// goes on with the rest of the bucket.
//
// # Damaged files
//
// Badger opens its table (.sst) files on goroutines of its own and trusts
// the lengths in their footers, so a garbage table panicked there, where
// no recover reaches, and took the process down. Open therefore first
// opens every table the MANIFEST lists itself, with Badger's table code and
// checksum verification of every block (options.OnTableRead), on the
// calling goroutine with panics recovered: a table that is not a regular
// file, cannot be read or fails a checksum makes Open return an error
// matching ErrCorrupt (and [store.ErrCorrupt]) that names the file, and
// Badger never sees it. This reads every table once per Open, so Open
// takes time in proportion to the size of the database: 55–165 ms of a
// 70–180 ms Open for 100 MB of 1 KiB records read from the page cache, on
// a shared 2-core machine. Once open, Badger
// checks each block it reads against its checksum
// (options.OnBlockRead; Tune may change it), so damage that appears later
// is an error, not garbage, and every method recovers a panic inside
// Badger on its own goroutine into an error matching ErrCorrupt.
//
// What remains: a file damaged after Open's check and read by one of
// Badger's background goroutines (a compaction) can still panic there; an
// encrypted database (EncryptionKey set through Tune) is not checked at
// Open, since its tables need Badger's key registry; a damaged value log,
// KEYREGISTRY or MANIFEST is left to Badger, whose Open fails with an error
// of its own (tried with each replaced by 32 KiB of garbage: no panic, but
// the error does not match ErrCorrupt, and the failed Badger Open leaves
// two of its goroutines running). Extra .sst files the MANIFEST does not
// list are not checked: Badger removes them.
package badger
