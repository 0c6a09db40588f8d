package fs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"iter"

	"github.com/livedict/livedict/store"
)

var _ store.BucketLister = (*Store)(nil)

// Buckets yields the buckets whose directory holds at least one entry
// file. A directory named by its bucket's encoding gives the name at once;
// one named by a hash (a bucket name over 125 bytes) is named by the
// header of one of its entry files, the first that decodes. A bucket whose
// files have all expired is yielded until a Get, Scan or sweep removes
// them. Directories are read in chunks, and nothing is held while a name
// is yielded.
func (s *Store) Buckets(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := s.do(ctx, func() error { return nil }); err != nil {
			yield("", fmt.Errorf("fs: buckets: %w", err))
			return
		}
		err := s.eachBucketDir(ctx, func(dir string) error {
			bucket, ok, err := s.bucketOf(ctx, dir)
			if err != nil {
				return err
			}
			if ok && !yield(bucket, nil) {
				return errStop
			}
			return nil
		})
		if err != nil {
			yield("", fmt.Errorf("fs: buckets: %w", err))
		}
	}
}

// bucketOf returns the bucket of the directory dir, and false when dir
// holds no entry file that names one.
func (s *Store) bucketOf(ctx context.Context, dir string) (bucket string, found bool, err error) {
	direct, isDirect := decodeName(prefixBucket, dir)
	err = s.eachName(ctx, dir, isEntryName, func(name string) error {
		if isDirect {
			bucket, found = string(direct), true
			return errStop
		}
		return s.do(ctx, func() error {
			b, ok, err := s.headerBucket(dir + sep + name)
			if err != nil || !ok || bucketDirName(b) != dir {
				return err // a file gone or damaged: try the next one
			}
			bucket, found = b, true
			return errStop
		})
	})
	if err == errStop || errors.Is(err, errNotDir) {
		// errNotDir: a file where a bucket directory belongs holds no
		// records; Scan of that bucket reports it.
		err = nil
	}
	return bucket, found, err
}

// headerBucket reads the bucket from the header of the entry file at
// path; ok is false when the file is gone or does not decode.
func (s *Store) headerBucket(path string) (string, bool, error) {
	f, err := s.openEntry(path)
	if errors.Is(err, iofs.ErrNotExist) || errors.Is(err, ErrCorrupt) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	b, err := readAll(f, s.opts.MaxRecordSize)
	if errors.Is(err, ErrCorrupt) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	e, err := decodeFile(b)
	if err != nil {
		return "", false, nil
	}
	return string(e.bucket), true, nil
}

// corruptRecord is the error Scan yields for the damaged entry file name
// of bucket: a *store.RecordError matching ErrCorrupt, whose Key is the
// key the file name encodes (nil for a hashed name, which hides it).
func corruptRecord(bucket, name string, err error) error {
	key, _ := decodeName(prefixEntry, name)
	return fmt.Errorf("fs: scan: %w", &store.RecordError{Bucket: bucket, Key: key, Err: err})
}
