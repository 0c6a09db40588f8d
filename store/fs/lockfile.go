package fs

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
)

// openLock opens the lock file of the store in root, creating it if it is
// missing. A lock file is only ever a regular file: a symbolic link, FIFO,
// socket or device found under its name is never followed or opened but
// removed (the link itself, not what it points to) and replaced by a new,
// empty lock file, so a planted link can neither redirect the lock nor
// block Open. A directory under the name gives an error matching
// ErrCorrupt that names it.
func openLock(root *os.Root, perm iofs.FileMode) (*os.File, error) {
	for range 4 {
		fi, err := root.Lstat(lockName)
		switch {
		case errors.Is(err, iofs.ErrNotExist):
			f, err := root.OpenFile(lockName, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
			if errors.Is(err, iofs.ErrExist) {
				continue // created meanwhile by another process
			}
			return f, err
		case err != nil:
			return nil, err
		case fi.IsDir():
			return nil, fmt.Errorf("%s: %w: a directory where the lock file belongs", lockName, ErrCorrupt)
		case !fi.Mode().IsRegular():
			if err := root.Remove(lockName); err != nil && !errors.Is(err, iofs.ErrNotExist) {
				return nil, fmt.Errorf("%s: replace a %v: %w", lockName, fi.Mode().Type(), err)
			}
			continue
		}
		f, err := root.OpenFile(lockName, os.O_RDWR|nonblock, 0)
		if errors.Is(err, iofs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// The name may have been swapped between Lstat and the open; use
		// the file only if it is the regular file that was checked.
		if got, err := f.Stat(); err == nil && os.SameFile(fi, got) {
			return f, nil
		}
		_ = f.Close()
	}
	return nil, fmt.Errorf("%s: the lock file keeps changing under this process", lockName)
}
