package fs

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
)

// errNotDir is wrapped by the error openDir returns for a name that is not
// a directory; it also matches ErrCorrupt.
var errNotDir = fmt.Errorf("%w: not a directory", ErrCorrupt)

// openEntry opens the file at path for reading, but only if it is a
// regular file. Anything else (a symbolic link, a FIFO, a socket, a device,
// a directory) gives an error matching ErrCorrupt without being opened or
// followed, so no open ever blocks; the opened file is checked again, in
// case it was swapped between the check and the open. A missing file gives
// an error matching fs.ErrNotExist.
func (s *Store) openEntry(path string) (*os.File, error) {
	fi, err := s.root.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(fi)
	}
	f, err := s.root.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		return nil, notRegular(fi)
	}
	return f, nil
}

func notRegular(fi iofs.FileInfo) error {
	return fmt.Errorf("%w: not a regular file (mode %v)", ErrCorrupt, fi.Mode().Type())
}

// openDir opens the directory dir for listing. A name that is something
// else, a symbolic link included (the store makes only real directories),
// gives an error matching errNotDir (and so ErrCorrupt) without being
// opened or followed.
func (s *Store) openDir(dir string) (*os.File, error) {
	fi, err := s.root.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errNotDir
	}
	d, err := s.root.OpenFile(dir, os.O_RDONLY|nonblock|dirOnly, 0)
	if err != nil {
		return nil, err
	}
	if fi, err = d.Stat(); err != nil || !fi.IsDir() {
		_ = d.Close()
		if err != nil {
			return nil, err
		}
		return nil, errNotDir
	}
	return d, nil
}

// readAll reads the whole of f, an entry file that openEntry opened. A file
// larger than limit is not read: it gives an error matching ErrCorrupt, so
// a huge or sparse file planted under an entry's name costs no memory.
func readAll(f *os.File, limit int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(fi)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes is more than MaxRecordSize %d", ErrCorrupt, fi.Size(), limit)
	}
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: file shrank while read", ErrCorrupt)
		}
		return nil, err
	}
	return b, nil
}
