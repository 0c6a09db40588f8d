package badger

import (
	"fmt"
	"log/slog"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Defaults of [Options]. Badger's own defaults (64 MiB memtables, up to five
// of them, a 256 MiB block cache, 1 GiB value log files) suit a database
// server more than a cache's persistence layer; see the package
// documentation for the memory these take.
const (
	DefaultMemTableSize       = 16 << 20
	DefaultValueLogFileSize   = 64 << 20
	DefaultValueLogGCInterval = 5 * time.Minute
	// GCDiscardRatio is the share of a value log file that must be garbage
	// before value log GC rewrites it.
	GCDiscardRatio = 0.5
)

// Limits Open checks.
const (
	minMemTableSize     = 1 << 20
	minValueLogFileSize = 1 << 20
	maxValueLogFileSize = 2<<30 - 1 // Badger's bound: strictly below 2 GiB
)

// valueThreshold is the value size from which Badger keeps values in its
// value log rather than in the LSM tree. Badger's default (1 MiB) makes
// every record pass through compactions; values this large are better
// written once and collected by value log GC.
const valueThreshold = 64 << 10

// numMemtables bounds the memtables held at once (Badger's default is 5).
const numMemtables = 3

// Options configure [Open]. A nil *Options and the zero Options mean the
// defaults, each stated on its field.
type Options struct {
	// NoSync, when true, returns from Put, PutBatch and Delete once Badger
	// has written the record to its memory-mapped write-ahead log, without
	// syncing it to disk. Such writes survive a crash of the process but
	// the last ones may be lost in a crash or power loss of the machine.
	//
	// The default (false) sets Badger's SyncWrites: each write returns
	// after the log is synced (msync of the memtable log, fsync of the
	// value log), so an acknowledged write survives a power loss. Badger
	// groups the writes of concurrent callers into one sync, and PutBatch
	// pays one sync for its whole batch.
	//
	// The field is negative so that the zero Options are the durable ones.
	NoSync bool

	// ValueLogGCInterval is how often a background goroutine runs Badger's
	// value log garbage collection (RunValueLogGC with [GCDiscardRatio],
	// repeated while it finds files to rewrite). Zero means
	// [DefaultValueLogGCInterval]; a negative value disables it, for
	// example when the application runs GC itself through [Store.DB].
	// Close stops the goroutine.
	ValueLogGCInterval time.Duration

	// MemTableSize is the size of one Badger memtable, in bytes; zero means
	// [DefaultMemTableSize], and it must be at least 1 MiB. Each memtable
	// takes about 1.3 × MemTableSize of heap, and up to 3 are held while
	// older ones are flushed to disk. One transaction holds at most 15% of
	// it, so PutBatch splits batches larger than that into several commits.
	MemTableSize int64

	// ValueLogFileSize is the size at which Badger starts a new value log
	// file, in bytes; zero means [DefaultValueLogFileSize], and it must be
	// at least 1 MiB and below 2 GiB. It also bounds the size of one value
	// (plus 8 bytes for a record with an expiry). Files are memory-mapped
	// at twice this size, sparsely.
	ValueLogFileSize int64

	// Logger receives Badger's warnings and errors; Badger's info and
	// debug messages, which it writes on every open and compaction, are
	// dropped. Nil means slog.Default() at the time of logging. To silence
	// Badger entirely, pass slog.New(slog.DiscardHandler).
	Logger *slog.Logger

	// Tune, when set, is called with the Badger options Open built from
	// the fields above, just before Badger opens, and may change anything
	// (compression, caches, compactors, encryption, a separate ValueDir)
	// except Dir and InMemory, which Open restores. Options that make
	// Badger fail to open give an error matching [ErrInvalidOptions].
	Tune func(*bdg.Options)
}

// badgerOptions returns the Badger options for dir.
func (o *Options) badgerOptions(dir string) (bdg.Options, error) {
	mem := o.MemTableSize
	switch {
	case mem == 0:
		mem = DefaultMemTableSize
	case mem < minMemTableSize:
		return bdg.Options{}, fmt.Errorf("%w: MemTableSize %d is below 1 MiB", ErrInvalidOptions, mem)
	}
	vlog := o.ValueLogFileSize
	switch {
	case vlog == 0:
		vlog = DefaultValueLogFileSize
	case vlog < minValueLogFileSize || vlog > maxValueLogFileSize:
		return bdg.Options{}, fmt.Errorf("%w: ValueLogFileSize %d is not in [1 MiB, 2 GiB)", ErrInvalidOptions, vlog)
	}
	bo := bdg.DefaultOptions(dir)
	bo.SyncWrites = !o.NoSync
	bo.Logger = slogAdapter{o.Logger}
	bo.MemTableSize = mem
	bo.NumMemtables = numMemtables
	// Badger refuses a threshold above what one transaction holds.
	bo.ValueThreshold = min(valueThreshold, 15*mem/100)
	bo.ValueLogFileSize = vlog
	// Values arrive compressed (layer.Compress) or encrypted more often
	// than not; compressing Badger's blocks again costs CPU and a block
	// cache for little. Without compression Badger needs no block cache.
	bo.Compression = options.None
	bo.BlockCacheSize = 0
	// Every write is a blind Set or Delete, never a read-modify-write, so
	// conflict detection would only cost time.
	bo.DetectConflicts = false
	// Badger's metrics are process-wide expvars; leave them to Tune.
	bo.MetricsEnabled = false
	// Every block read is checked against its checksum, so a table damaged
	// after Open gives an error rather than garbage to Badger's decoder
	// (Open itself checks every table first: see verifyTables).
	bo.ChecksumVerificationMode = options.OnBlockRead
	if o.Tune != nil {
		o.Tune(&bo)
		bo.Dir = dir
		bo.InMemory = false
		if bo.ValueDir == "" {
			bo.ValueDir = dir
		}
	}
	return bo, nil
}

// gcInterval returns the GC interval, or 0 when GC is disabled.
func (o *Options) gcInterval() time.Duration {
	switch {
	case o.ValueLogGCInterval == 0:
		return DefaultValueLogGCInterval
	case o.ValueLogGCInterval < 0:
		return 0
	}
	return o.ValueLogGCInterval
}
