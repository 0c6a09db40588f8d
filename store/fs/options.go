package fs

import (
	"fmt"
	iofs "io/fs"
	"time"
)

// Options configure a [Store]. A nil *Options, or a zero field, means the
// default given for each field.
type Options struct {
	// FilePerm is the permission of entry files and of the lock file,
	// before the umask. The default is 0o600. It must grant the owner read
	// and write, and hold permission bits only.
	FilePerm iofs.FileMode
	// DirPerm is the permission of the store's directory when Open creates
	// it and of each bucket directory, before the umask. The default is
	// 0o700. It must grant the owner read, write and search, and hold
	// permission bits only.
	DirPerm iofs.FileMode
	// NoSync skips every fsync. Writes still go through a temporary file
	// and a rename, so a reader never sees half a record, but a record
	// acknowledged by Put may be lost, or an older value may come back,
	// after a crash of the operating system or a power cut. It is unsafe
	// for data that must survive those; it suits caches and tests. The
	// default, false, makes every acknowledged write durable.
	NoSync bool
	// SweepInterval, when positive, starts a goroutine that calls
	// [Store.Sweep] at this interval to remove expired files; Close stops
	// it. The default, 0, starts no goroutine: expired files are then
	// removed when Get or Scan meets them, or when the application calls
	// Sweep. It must not be negative.
	SweepInterval time.Duration
	// OnSweepError, if not nil, receives the errors of the periodic sweep
	// (such as ErrCorrupt for a damaged file, which the sweep leaves in
	// place). It runs on the sweep goroutine and must not call Close. The
	// default drops them; the next sweep tries again.
	OnSweepError func(error)
	// MaxRecordSize is the largest entry file, in bytes, that Put writes
	// and that Get, Scan and Sweep read: the record's bucket, key and value
	// plus 41 bytes of header and checksum. Put refuses a larger record
	// with an error matching [ErrTooLarge]; a larger file found on disk is
	// not read and gives an error matching [ErrCorrupt], so a huge (or
	// sparse) file planted under an entry's name cannot exhaust memory.
	// The default is [DefaultMaxRecordSize]; it must not be negative.
	MaxRecordSize int64
}

// DefaultMaxRecordSize is the default of Options.MaxRecordSize: 64 MiB.
const DefaultMaxRecordSize = 64 << 20

const (
	defaultFilePerm iofs.FileMode = 0o600
	defaultDirPerm  iofs.FileMode = 0o700
)

// resolve returns a copy of o with defaults filled in, or an error matching
// ErrInvalidOptions.
func (o *Options) resolve() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	if r.FilePerm == 0 {
		r.FilePerm = defaultFilePerm
	}
	if r.DirPerm == 0 {
		r.DirPerm = defaultDirPerm
	}
	if r.FilePerm&^iofs.ModePerm != 0 || r.FilePerm&0o600 != 0o600 {
		return r, fmt.Errorf("%w: FilePerm %#o must be permission bits that include 0o600", ErrInvalidOptions, uint32(r.FilePerm))
	}
	if r.DirPerm&^iofs.ModePerm != 0 || r.DirPerm&0o700 != 0o700 {
		return r, fmt.Errorf("%w: DirPerm %#o must be permission bits that include 0o700", ErrInvalidOptions, uint32(r.DirPerm))
	}
	if r.MaxRecordSize == 0 {
		r.MaxRecordSize = DefaultMaxRecordSize
	}
	if r.MaxRecordSize < headerSize+trailerSize {
		return r, fmt.Errorf("%w: MaxRecordSize %d is less than the %d bytes of an empty record", ErrInvalidOptions, r.MaxRecordSize, headerSize+trailerSize)
	}
	if r.SweepInterval < 0 {
		return r, fmt.Errorf("%w: SweepInterval %v is negative", ErrInvalidOptions, r.SweepInterval)
	}
	return r, nil
}
