package fs

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	iofs "io/fs"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/livedict/livedict/store"
)

// Store is a [store.Stage] that keeps each record in a file of its own under
// one directory. It also implements [store.BatchPutter], [store.Pinger] and
// [store.NativeTTL]. Create one with [Open] or [OpenURL]; it is safe for
// concurrent use.
type Store struct {
	root *os.Root
	lock *os.File
	opts Options

	// gate is entered by every call in progress and closed by Close, so
	// Close waits for writes under way instead of cutting them short. No
	// method stays in it while it yields to a Scan loop.
	gate store.Gate

	buckets sync.Map // bucket directory name → *bucketDir

	// stripes serialize, per target name, the rename that installs a new
	// file with the removal of an expired one, so that a sweep never
	// removes a file that replaced the one it judged expired.
	stripes [stripeCount]sync.Mutex
	seed    maphash.Seed

	// syncFile makes a file or directory durable. Tests replace it to
	// inject fsync failures. It is not called when NoSync is set.
	syncFile func(*os.File) error

	stopSweep context.CancelFunc
	sweepDone chan struct{}
}

const stripeCount = 256

// sep joins names inside the root.
const sep = string(os.PathSeparator)

var (
	_ store.Stage       = (*Store)(nil)
	_ store.BatchPutter = (*Store)(nil)
	_ store.Pinger      = (*Store)(nil)
	_ store.NativeTTL   = (*Store)(nil)
)

// Open opens the store kept in dir, creating dir (with its parents) if it
// does not exist. It takes a lock on the directory, so a second Store on
// the same directory, in this process or another, fails with an error
// matching [ErrLocked] until the first is closed. It removes the temporary
// files that writes cut short by a crash left behind, which lists every
// bucket directory. A nil opts means the defaults; bad options give an error
// matching [ErrInvalidOptions].
func Open(dir string, opts *Options) (*Store, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory name", ErrInvalidOptions)
	}
	if err := makeDir(dir, o); err != nil {
		return nil, fmt.Errorf("fs: open: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("fs: open: %w", err)
	}
	lock, err := openLock(root, o.FilePerm)
	if err == nil {
		if err = lockFile(lock); err != nil {
			_ = lock.Close()
		}
	}
	if err != nil {
		_ = root.Close()
		return nil, fmt.Errorf("fs: open %s: %w", dir, err)
	}
	s := &Store{
		root:     root,
		lock:     lock,
		opts:     o,
		seed:     maphash.MakeSeed(),
		syncFile: (*os.File).Sync,
	}
	if err := s.removeStaleTemps(); err != nil {
		_ = root.Close()
		_ = lock.Close()
		return nil, fmt.Errorf("fs: open: remove temporary files: %w", err)
	}
	if o.SweepInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopSweep, s.sweepDone = cancel, make(chan struct{})
		go s.sweepLoop(ctx, o.SweepInterval)
	}
	return s, nil
}

// makeDir creates dir if it is missing and makes its entry in its parent
// durable, so that records acknowledged later are not lost with it.
func makeDir(dir string, o Options) error {
	if _, err := os.Stat(dir); !errors.Is(err, iofs.ErrNotExist) {
		return err // nil when dir exists; OpenRoot reports a non-directory
	}
	if err := os.MkdirAll(dir, o.DirPerm); err != nil {
		return err
	}
	if o.NoSync || runtime.GOOS == "windows" {
		return nil // see syncDir
	}
	parent, err := os.Open(filepath.Dir(filepath.Clean(dir)))
	if err != nil {
		return err
	}
	defer parent.Close()
	if err := parent.Sync(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrSync, parent.Name(), err)
	}
	return nil
}

// begin starts a call: it fails if the store is closed or ctx is done, and
// otherwise keeps the call in the gate until end.
func (s *Store) begin(ctx context.Context) error { return s.gate.Enter(ctx) }

func (s *Store) end() { s.gate.Leave() }

// do runs fn as one call: between begin and end. Calls must not nest, since
// a waiting Close blocks a second shared lock.
func (s *Store) do(ctx context.Context, fn func() error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	return fn()
}

func (s *Store) stripe(path string) *sync.Mutex {
	return &s.stripes[maphash.String(s.seed, path)%stripeCount]
}

// Get returns the record for bucket and key. A missing or expired record
// gives an error matching store.ErrNotFound, and an expired file is removed.
// A damaged file gives an error matching [ErrCorrupt].
func (s *Store) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := s.begin(ctx); err != nil {
		return store.Record{}, fmt.Errorf("fs: get: %w", err)
	}
	defer s.end()
	dir := bucketDirName(bucket)
	name := entryName(key)
	r, ok, err := s.readEntry(dir, name, bucket, key)
	if err != nil {
		return store.Record{}, fmt.Errorf("fs: get: %w", err)
	}
	if !ok {
		return store.Record{}, fmt.Errorf("fs: get: %w", store.ErrNotFound)
	}
	return r, nil
}

// readEntry reads the file dir/name, which must hold bucket and key. A nil
// key, as Scan passes, stands for whatever key the name encodes. It reports
// false for a missing or expired file, removing an expired one.
func (s *Store) readEntry(dir, name, bucket string, key []byte) (store.Record, bool, error) {
	path := dir + sep + name
	f, err := s.openEntry(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close() // held open until any removal, so its inode is not reused
	b, err := readAll(f, s.opts.MaxRecordSize)
	if err != nil {
		return store.Record{}, false, fmt.Errorf("%s: %w", path, err)
	}
	e, err := decodeFile(b)
	if err != nil {
		return store.Record{}, false, fmt.Errorf("%s: %w", path, err)
	}
	if string(e.bucket) != bucket {
		return store.Record{}, false, fmt.Errorf("%s: %w: the file belongs to another bucket", path, ErrCorrupt)
	}
	if key == nil && entryName(e.key) != name || key != nil && string(e.key) != string(key) {
		return store.Record{}, false, fmt.Errorf("%s: %w: the file belongs to another key", path, ErrCorrupt)
	}
	if expiredAt(e.expire, time.Now()) {
		s.removeIfSame(path, f)
		return store.Record{}, false, nil
	}
	return store.Record{Bucket: bucket, Key: e.key, Value: e.value, ExpireAt: expireTime(e.expire)}, true, nil
}

// removeIfSame removes path if it is still the file f, which the caller
// holds open. Under the name's stripe no rename can slip in between the
// comparison and the removal. The removal is not made durable: an expired
// file that comes back after a crash is still never returned.
func (s *Store) removeIfSame(path string, f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	mu := s.stripe(path)
	mu.Lock()
	defer mu.Unlock()
	cur, err := s.root.Lstat(path)
	if err != nil || !os.SameFile(fi, cur) {
		return false
	}
	return s.root.Remove(path) == nil
}

// Delete removes the record for bucket and key and makes the removal
// durable (unless NoSync) before it returns. A missing record is not an
// error.
func (s *Store) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("fs: delete: %w", err)
	}
	defer s.end()
	dir := bucketDirName(bucket)
	err := s.root.Remove(dir + sep + entryName(key))
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("fs: delete: %w", err)
	}
	// Synced even when the file was already gone: an earlier removal (a
	// sweep's, or a Delete whose fsync failed) may not be durable yet.
	if err := s.syncDir(dir); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("fs: delete: %w", err)
	}
	return nil
}

// Scan yields every unexpired record of bucket. It lists the bucket's
// directory in chunks as it goes, so records written or deleted during the
// scan may or may not be seen. Expired files it meets are removed. A damaged
// file (see [ErrCorrupt]) is yielded as a Record with only Bucket set and an
// error matching ErrCorrupt that names the file by its storage name, and the
// scan goes on with the next file; any other error ends it. The error is a
// [*store.RecordError] whose Key is the key the file's name encodes (nil
// for a hashed name).
func (s *Store) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		dir := bucketDirName(bucket)
		err := s.eachName(ctx, dir, isEntryName, func(name string) error {
			var r store.Record
			var ok bool
			err := s.do(ctx, func() (err error) {
				r, ok, err = s.readEntry(dir, name, bucket, nil)
				return err
			})
			if errors.Is(err, ErrCorrupt) {
				if !yield(store.Record{Bucket: bucket}, corruptRecord(bucket, name, err)) {
					return errStop
				}
				return nil
			}
			if err != nil {
				return err
			}
			if ok && !yield(r, nil) {
				return errStop
			}
			return nil
		})
		if err != nil {
			yield(store.Record{}, fmt.Errorf("fs: scan: %w", err))
		}
	}
}

// Ping checks that the directory is still there and writable, by creating
// and removing a temporary file in it.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("fs: ping: %w", err)
	}
	defer s.end()
	f, name, err := s.createTemp(".")
	if err != nil {
		return fmt.Errorf("fs: ping: %w", err)
	}
	err = f.Close()
	if rerr := s.root.Remove(name); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("fs: ping: %w", err)
	}
	return nil
}

// NativeTTL reports whether the store removes expired files by itself,
// which it does when Options.SweepInterval is positive. Get and Scan never
// return an expired record either way.
func (s *Store) NativeTTL() bool { return s.opts.SweepInterval > 0 }

// Close stops the periodic sweep, waits for calls in progress to finish,
// and releases the directory and its lock. A second Close returns nil.
func (s *Store) Close() error {
	if !s.gate.Close() {
		return nil
	}
	if s.stopSweep != nil {
		s.stopSweep()
		<-s.sweepDone
	}
	err := s.root.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("fs: close: %w", err)
	}
	return nil
}
