// Package fs is a LiveDict backend that keeps each record in a file of its
// own under one directory. It needs nothing but a local file system, keeps
// expiry times, and survives crashes: a record acknowledged by Put is on
// disk, whole, when Put returns.
//
//	s, err := fs.Open("/var/lib/app/store", nil)
//
// or, through [store.Open] once this package is imported,
//
//	s, err := store.Open(ctx, "file:///var/lib/app/store?sweep=10m")
//
// # Layout
//
// The directory holds a lock file and one directory per bucket; each bucket
// directory holds one file per record:
//
//	<dir>/lock
//	<dir>/b<enc(bucket)>/e<enc(key)>
//
// enc is base32 with the lower-case alphabet 0-9a-v and no padding, so any
// bucket and any key, whatever its bytes ("..", "/x", NUL, invalid UTF-8,
// "CON", keys that differ only in case), becomes a name of lower-case
// letters and digits that stays inside its directory and never collides
// with another, even on a case-insensitive file system. A bucket name or key
// whose encoding would pass 200 characters (more than 125 bytes) is filed
// under the encoded SHA-256 of its bytes instead, as c<hash> for a bucket
// and h<hash> for a key. Each file also holds its bucket and key, so Scan
// recovers keys from the files, and Get and Scan check that a file belongs
// to the bucket and key asked for. Every access goes through an [os.Root]
// opened on the directory, so no name can reach outside it. Files whose
// names are not of these forms are ignored and never removed.
//
// # File format
//
// A file is a 37-byte header (the magic "LDfs", a version byte, the expiry in
// Unix nanoseconds or 0, and the lengths of bucket, key and value), then the
// bucket, key and value, then a CRC-32C (Castagnoli) of everything before
// it. A file that is cut short, has changed bits or is not ours makes Get
// and Scan return an error matching [ErrCorrupt], and Sweep reports those it
// meets; wrong data is never returned.
//
// # Durability
//
// Put writes the file under a temporary name (t<16 hex digits>) in the
// bucket directory, fsyncs it, renames it over the record's file and fsyncs
// the directory; a bucket directory's own entry is fsynced once when it is
// made. So when Put returns nil, the record survives a crash or power cut,
// and a reader, or a process started after a crash, sees either the old
// record or the new one, never part of one. Concurrent Puts of one key each
// write their own temporary file, and the last rename wins. When an fsync
// fails, the write is redone from scratch with a new temporary file, up to
// three times, since a second fsync of the same file may report success for
// data the kernel has already dropped; then Put returns an error matching
// [ErrSync]. No temporary file is left behind in either case, and those a
// crash leaves are removed by the next Open.
//
// [Store.PutBatch] writes and fsyncs the temporary files of a batch a few at
// a time in parallel, renames them in order and fsyncs each bucket directory
// once: several times faster than a Put per record, with the same guarantee
// for each record once it returns nil. Delete removes the file and fsyncs its
// directory.
//
// Options.NoSync skips every fsync. It is unsafe: records acknowledged
// shortly before a crash of the operating system or a power cut may be lost
// or come back with an older value. Readers still never see a torn file.
//
// # Expiry
//
// Expiry times are kept to the nanosecond. Get and Scan never return a
// record whose expiry has come; they remove the file of an expired record
// when they meet one. [Store.Sweep] removes every expired file, and
// Options.SweepInterval runs it periodically on a goroutine that Close stops;
// with it set, [Store.NativeTTL] reports true. Expiry times before 1678 or
// after 2262 are clamped to that range.
//
// # Options
//
// [Options] holds FilePerm and DirPerm (default 0o600 and 0o700), NoSync
// (default false), SweepInterval (default 0, no sweep goroutine),
// OnSweepError and MaxRecordSize (default 64 MiB). The URL form is
//
//	file:///abs/dir?sweep=1m&nosync=false&fileperm=0600&dirperm=0700&maxrecordsize=67108864
//
// with every parameter optional; see [OpenURL].
//
// # Limits
//
// One Store uses a directory at a time: Open takes an flock on <dir>/lock
// and fails with [ErrLocked] while another Store, in any process, holds it
// (on systems without flock, such as Windows, nothing enforces this; Windows
// cannot fsync a directory either, so there the directory syncs are skipped
// and NTFS's own journal is relied on). Open lists every bucket
// directory to clear stale temporary files, and Sweep reads the header of
// every file, so both take time in proportion to the number of records.
// Scan lists a bucket directory as it goes, so it works on buckets of any
// size, in no particular order. Get and Scan read a whole file into memory,
// so a record's file is limited to Options.MaxRecordSize (default 64 MiB,
// [DefaultMaxRecordSize]): Put refuses a larger record with [ErrTooLarge],
// and a larger file on disk is refused unread as [ErrCorrupt]. Each record
// costs at least one file system block, so the backend suits thousands to a
// few million records of moderate size rather than billions of tiny ones. A
// Put costs two fsyncs; expect about a thousand durable Puts a second on an
// SSD, many more with PutBatch or NoSync.
//
// # Damaged and planted files
//
// Files under the store's names that the store did not write never crash,
// hang or stop it. Only regular files are read: a FIFO, socket, device or
// directory under an entry's name is refused (as [ErrCorrupt]) without a
// blocking open, and a file past MaxRecordSize is refused before any of it
// is read. Symbolic links at entry and bucket names are never followed
// (the store makes none), and are refused the same way. Get returns the
// error; Scan yields it for that one file, with a Record that
// holds only Bucket, and goes on with the rest of the bucket; Sweep reports
// it after sweeping everything else. A file or FIFO where a bucket
// directory belongs does not stop Open: Scan of that bucket yields one
// ErrCorrupt naming it, and Sweep reports it. A symbolic link, FIFO, socket
// or device under the lock file's name is never followed or opened: Open
// removes it and creates a lock file of its own; a directory there makes
// Open fail with ErrCorrupt. Errors name files by their storage names (the
// encoded bucket and key, or their hashes when long), which is key
// material only when keys are stored unencrypted.
package fs
