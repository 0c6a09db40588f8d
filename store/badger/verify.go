package badger

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/ristretto/v2/z"
)

// verifyTables opens, before Badger does, every table file that the
// directory's MANIFEST lists, with Badger's own table code and checksum
// verification of every block (options.OnTableRead), on the calling
// goroutine with panics recovered. Badger opens its tables on goroutines of
// its own, where a garbage .sst file panics beyond any recover (its reader
// trusts the lengths in a table's footer); a table that fails here makes
// Open return an error matching ErrCorrupt that names the file instead.
// A directory without a MANIFEST (a new database) has nothing to verify.
// Encrypted databases (Tune setting EncryptionKey) are not verified here:
// their tables need the key registry, which only Badger reads.
func verifyTables(bo bdg.Options) (err error) {
	if len(bo.EncryptionKey) > 0 {
		return nil
	}
	path := filepath.Join(bo.Dir, bdg.ManifestFilename)
	fi, err := os.Lstat(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("badger: open: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("badger: open: %w: %s is not a regular file", ErrCorrupt, bdg.ManifestFilename)
	}
	fp, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("badger: open: %w", err)
	}
	defer fp.Close()
	var m bdg.Manifest
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("badger: open: %w: %s cannot be read", ErrCorrupt, bdg.ManifestFilename)
			}
		}()
		// Badger replays the same file with the same function, and reports
		// what it cannot use; only a panic is ours to turn into an error.
		m, _, _ = bdg.ReplayManifestFile(fp, bo.ExternalMagicVersion, bo)
	}()
	if err != nil {
		return err
	}
	for id, tm := range m.Tables {
		if err := verifyTable(table.NewFilename(id, bo.Dir), tm, bo); err != nil {
			return err
		}
	}
	return nil
}

// verifyTable opens and checks one table file as Badger's levels would.
func verifyTable(path string, tm bdg.TableManifest, bo bdg.Options) (err error) {
	name := filepath.Base(path)
	corrupt := func(why string) error {
		return fmt.Errorf("badger: open: %w: table %s %s", ErrCorrupt, name, why)
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil // Badger reports a missing table itself
	}
	if err != nil {
		return fmt.Errorf("badger: open: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return corrupt("is not a regular file")
	}
	fd, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("badger: open: %w", err)
	}
	// OpenTable closes the mapping (and fd) on some of its error paths and
	// not on others: close what is still open, never twice.
	closeIfOpen := func(mf *z.MmapFile) {
		if _, serr := fd.Stat(); errors.Is(serr, os.ErrClosed) {
			return
		}
		if mf != nil {
			_ = mf.Close(-1)
		} else {
			_ = fd.Close()
		}
	}
	mf, err := z.OpenMmapFileUsing(fd, 0, false)
	if err != nil {
		closeIfOpen(nil)
		return corrupt("cannot be mapped")
	}
	defer func() {
		if p := recover(); p != nil {
			closeIfOpen(mf)
			err = corrupt("is unreadable")
		}
	}()
	t, err := table.OpenTable(mf, table.Options{
		ReadOnly:             true,
		TableSize:            uint64(bo.BaseTableSize),
		BlockSize:            bo.BlockSize,
		BloomFalsePositive:   bo.BloomFalsePositive,
		ChkMode:              options.OnTableRead,
		Compression:          tm.Compression,
		ZSTDCompressionLevel: bo.ZSTDCompressionLevel,
	})
	if err != nil {
		closeIfOpen(mf)
		return corrupt("fails its checks")
	}
	_ = t.Close(-1)
	return nil
}
