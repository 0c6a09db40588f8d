package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"time"

	"github.com/livedict/livedict/store"
)

// Sweep removes the files of expired records from every bucket and returns
// how many it removed. It reads only the header of a file that has not
// expired; a file is removed only when its whole content checks out, so a
// damaged header never costs a live record. A damaged file is left in place
// and reported, wrapped in ErrCorrupt, once Sweep has been through every
// bucket. Removals are not synced: a removed file that comes back after a
// crash is still expired, and is never returned. Records may be put or
// deleted while Sweep runs.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	n := 0
	var errs []error
	err := s.eachBucketDir(ctx, func(dir string) error {
		err := s.eachName(ctx, dir, isEntryName, func(name string) error {
			var removed bool
			err := s.do(ctx, func() (err error) {
				removed, err = s.sweepFile(dir + sep + name)
				return err
			})
			if removed {
				n++
			}
			if errors.Is(err, ErrCorrupt) {
				errs = append(errs, err)
				return nil
			}
			return err
		})
		if errors.Is(err, ErrCorrupt) { // dir is not a directory
			errs = append(errs, err)
			return nil
		}
		return err
	})
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return n, fmt.Errorf("fs: sweep: %w", err)
	}
	return n, nil
}

// sweepFile removes path if it holds an intact, expired entry.
func (s *Store) sweepFile(path string) (bool, error) {
	f, err := s.openEntry(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return false, nil // deleted or replaced meanwhile
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	var hb [headerSize]byte
	if _, err := io.ReadFull(f, hb[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, fmt.Errorf("%s: %w: %d bytes is shorter than a header", path, ErrCorrupt, len(hb))
		}
		return false, fmt.Errorf("%s: %w", path, err)
	}
	h, err := decodeHeader(hb[:])
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if !expiredAt(h.expire, time.Now()) {
		return false, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	b, err := readAll(f, s.opts.MaxRecordSize)
	if err == nil {
		_, err = decodeFile(b)
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return s.removeIfSame(path, f), nil
}

// sweepLoop runs Sweep every interval until ctx is cancelled.
func (s *Store) sweepLoop(ctx context.Context, interval time.Duration) {
	defer close(s.sweepDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, err := s.Sweep(ctx)
			if err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrClosed) && s.opts.OnSweepError != nil {
				s.opts.OnSweepError(err)
			}
		}
	}
}

// removeStaleTemps removes the temporary files that writes cut short by a
// crash left in the store's directory and in every bucket directory. Open
// calls it while it holds the lock, so no write of this store is under way.
func (s *Store) removeStaleTemps() error {
	ctx := context.Background()
	remove := func(dir string) error {
		return s.eachName(ctx, dir, isTempName, func(name string) error {
			return s.do(ctx, func() error {
				if err := s.root.Remove(dir + sep + name); err != nil && !errors.Is(err, iofs.ErrNotExist) {
					return err
				}
				return nil
			})
		})
	}
	if err := remove("."); err != nil {
		return err
	}
	// A bucket name that is not a directory holds no temporary files; it
	// is left for Scan and Sweep to report, and the other buckets open.
	return s.eachBucketDir(ctx, func(dir string) error {
		if err := remove(dir); !errors.Is(err, errNotDir) {
			return err
		}
		return nil
	})
}

// eachBucketDir calls fn with the name of each bucket directory.
func (s *Store) eachBucketDir(ctx context.Context, fn func(dir string) error) error {
	return s.eachName(ctx, ".", isBucketDirName, fn)
}

// errStop ends an eachName loop early without an error.
var errStop = errors.New("fs: stop")

// eachName lists the directory dir in chunks and calls fn for each name
// that keep accepts; files that are not ours are never touched. It checks
// the store and ctx before each call (see begin) but holds nothing while fn
// runs, so fn may yield to a caller's loop; fn wraps its own file access in
// [Store.do]. An fn that returns errStop ends the loop with a nil error.
func (s *Store) eachName(ctx context.Context, dir string, keep func(string) bool, fn func(name string) error) error {
	var d *os.File
	err := s.do(ctx, func() (err error) {
		d, err = s.openDir(dir)
		return err
	})
	if errors.Is(err, iofs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer d.Close()
	for {
		ents, rerr := d.ReadDir(256)
		for _, de := range ents {
			if !keep(de.Name()) {
				continue
			}
			if err := fn(de.Name()); err != nil {
				if err == errStop {
					return nil
				}
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
