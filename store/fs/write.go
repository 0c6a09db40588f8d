package fs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/livedict/livedict/store"
)

const (
	// writeAttempts is how many times a write is tried from scratch when
	// an fsync fails. After a failed fsync the kernel may have dropped the
	// dirty pages and cleared the error, so calling fsync again proves
	// nothing; only a new file, written and synced anew, does.
	writeAttempts = 3
	// parallelWrites bounds the temporary files a batch writes and syncs at
	// once. Concurrent fsyncs share journal commits on most file systems,
	// so a few in flight beat one at a time.
	parallelWrites = 4
)

// bucketDir remembers that a bucket's directory exists and that its entry
// in the store's directory is durable.
type bucketDir struct {
	mu    sync.Mutex
	ready atomic.Bool
}

// pending is one record on its way to its file.
type pending struct {
	rec  store.Record
	name string // the entry's name in its bucket directory
	tmp  string // the temporary file holding it, "" when there is none
}

// Put stores r in its file. Unless NoSync is set, the record is durable
// when Put returns nil: its file was written under a temporary name, synced,
// renamed over the old file and the directory synced. If an fsync fails the
// write is redone from scratch, up to three times, before Put returns an
// error matching [ErrSync]; no temporary file is left behind either way.
func (s *Store) Put(ctx context.Context, r store.Record) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("fs: put: %w", err)
	}
	defer s.end()
	if err := s.checkSize(r); err != nil {
		return fmt.Errorf("fs: put: %w", err)
	}
	files := []pending{{rec: r, name: entryName(r.Key)}}
	if err := s.commit(ctx, bucketDirName(r.Bucket), files); err != nil {
		return fmt.Errorf("fs: put: %w", err)
	}
	return nil
}

// PutBatch stores rs as Put would each record, in order, so the last of two
// records with the same bucket and key wins. It writes and syncs the
// temporary files of a bucket a few at a time in parallel, renames them in
// order, and then syncs each bucket directory once, which makes it much
// faster than a Put per record. It is not atomic: when it returns an error,
// any subset of the records may have been stored.
func (s *Store) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("fs: put batch: %w", err)
	}
	defer s.end()
	var dirs []string
	groups := make(map[string][]pending)
	for _, r := range rs {
		if err := s.checkSize(r); err != nil {
			return fmt.Errorf("fs: put batch: %w", err)
		}
	}
	for _, r := range rs {
		dir := bucketDirName(r.Bucket)
		if _, ok := groups[dir]; !ok {
			dirs = append(dirs, dir)
		}
		groups[dir] = append(groups[dir], pending{rec: r, name: entryName(r.Key)})
	}
	for _, dir := range dirs {
		if err := s.commit(ctx, dir, groups[dir]); err != nil {
			return fmt.Errorf("fs: put batch: %w", err)
		}
	}
	return nil
}

// checkSize refuses a record whose file would pass MaxRecordSize, which
// the store could not read back.
func (s *Store) checkSize(r store.Record) error {
	n := uint64(headerSize+trailerSize) + uint64(len(r.Bucket)) + uint64(len(r.Key)) + uint64(len(r.Value))
	if n > uint64(s.opts.MaxRecordSize) {
		return fmt.Errorf("%w: its file would take %d bytes, more than MaxRecordSize %d", ErrTooLarge, n, s.opts.MaxRecordSize)
	}
	return nil
}

// commit writes files into the bucket directory dir, retrying from scratch
// while fsync fails.
func (s *Store) commit(ctx context.Context, dir string, files []pending) error {
	var err error
	for range writeAttempts {
		if err = s.ensureBucket(dir); err != nil {
			if errors.Is(err, ErrSync) {
				continue
			}
			return err
		}
		if err = s.writeTemps(ctx, dir, files); err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				// The bucket directory vanished under us: make it again.
				s.forgetBucket(dir)
				continue
			}
			if errors.Is(err, ErrSync) {
				continue
			}
			return err
		}
		if err = s.renameAll(dir, files); err != nil {
			return err
		}
		// If this fails the renames may not survive a crash, and syncing
		// again would prove nothing: write everything again.
		if err = s.syncDir(dir); err != nil && !errors.Is(err, ErrSync) {
			return err
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", writeAttempts, err)
}

// ensureBucket creates the bucket directory dir once per Store and makes its
// entry durable before any record in it is acknowledged.
func (s *Store) ensureBucket(dir string) error {
	v, ok := s.buckets.Load(dir)
	if !ok {
		v, _ = s.buckets.LoadOrStore(dir, new(bucketDir))
	}
	b := v.(*bucketDir)
	if b.ready.Load() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ready.Load() {
		return nil
	}
	if err := s.root.Mkdir(dir, s.opts.DirPerm); err != nil && !errors.Is(err, iofs.ErrExist) {
		return err
	}
	if err := s.syncDir("."); err != nil {
		return err
	}
	b.ready.Store(true)
	return nil
}

func (s *Store) forgetBucket(dir string) {
	if v, ok := s.buckets.Load(dir); ok {
		v.(*bucketDir).ready.Store(false)
	}
}

// writeTemps writes each file's record to a new, synced temporary file. On
// error it removes those it made.
func (s *Store) writeTemps(ctx context.Context, dir string, files []pending) error {
	if len(files) == 1 {
		tmp, err := s.writeTemp(dir, files[0].rec)
		files[0].tmp = tmp
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelWrites)
	for i := range files {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			tmp, err := s.writeTemp(dir, files[i].rec)
			files[i].tmp = tmp
			return err
		})
	}
	if err := g.Wait(); err != nil {
		s.removeTemps(dir, files)
		return err
	}
	return nil
}

// writeTemp writes r to a new temporary file in dir and syncs it. It
// returns the file's name, or an error and no file.
func (s *Store) writeTemp(dir string, r store.Record) (string, error) {
	f, path, err := s.createTemp(dir)
	if err != nil {
		return "", err
	}
	_, err = f.Write(encodeFile(r))
	if err == nil && !s.opts.NoSync {
		if serr := s.syncFile(f); serr != nil {
			err = fmt.Errorf("%w: %s: %w", ErrSync, path, serr)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = s.root.Remove(path)
		return "", err
	}
	return path[len(dir)+len(sep):], nil
}

// createTemp creates a new temporary file in dir under a random name, which
// O_EXCL keeps unique among concurrent writers. It returns the file and its
// path from the root.
func (s *Store) createTemp(dir string) (*os.File, string, error) {
	for {
		path := fmt.Sprintf("%s%st%016x", dir, sep, rand.Uint64())
		f, err := s.root.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, s.opts.FilePerm)
		if errors.Is(err, iofs.ErrExist) {
			continue
		}
		return f, path, err
	}
}

// renameAll renames each temporary file over its entry, in order. On error
// it removes the temporary files not yet renamed.
func (s *Store) renameAll(dir string, files []pending) error {
	for i := range files {
		p := &files[i]
		target := dir + sep + p.name
		mu := s.stripe(target)
		mu.Lock()
		err := s.root.Rename(dir+sep+p.tmp, target)
		mu.Unlock()
		if err != nil {
			s.removeTemps(dir, files[i:])
			return err
		}
		p.tmp = ""
	}
	return nil
}

func (s *Store) removeTemps(dir string, files []pending) {
	for i := range files {
		if files[i].tmp != "" {
			_ = s.root.Remove(dir + sep + files[i].tmp)
			files[i].tmp = ""
		}
	}
}

// syncDir syncs the directory dir of the root ("." for the root itself).
// Its errors match ErrSync when the fsync itself failed.
func (s *Store) syncDir(dir string) error {
	if s.opts.NoSync || runtime.GOOS == "windows" {
		// Windows cannot flush a directory handle; NTFS journals the
		// rename itself.
		return nil
	}
	d, err := s.openDir(dir) // never blocks on a FIFO planted as a bucket
	if err != nil {
		return err
	}
	defer d.Close()
	if err := s.syncFile(d); err != nil {
		return fmt.Errorf("%w: directory %s: %w", ErrSync, dir, err)
	}
	return nil
}
