package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/store"
)

var exportCommand = &command{
	name:    "export",
	args:    "[flags]",
	summary: "write records as JSON lines, decrypted or --sealed",
	help: `Writes every live record of the chosen buckets (--bucket, repeatable; default:
the default bucket and every bucket the configuration declares) as JSON
lines, one record per line:

  {"bucket":"sessions","key":"user:42","value":{"name":"Ada"},"expire_at":"2030-01-02T15:04:05.5Z"}

key is a JSON string (a number with --key-type int), value the decoded value
as JSON, expire_at RFC 3339 in UTC or null for no expiry. Plain exports hold
decrypted data: -o files are created with mode 0600.

With --sealed, records are written as the backend holds them below the
encryption layer, never decrypted: key is the storage name (64 hex digits),
value the sealed blob in base64, and each line has "sealed":true. They can
be imported into another store (any backend) with the same name, name key
and keys.

Examples:
  livedict export -o backup.jsonl
  livedict export --sealed --bucket sessions -o sessions.sealed.jsonl`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		sealed := fs.Bool("sealed", false, "export the raw sealed records, without decrypting them")
		out := fs.String("o", "", "write to `FILE` (mode 0600) instead of stdout")
		force := fs.Bool("force", false, "replace -o FILE if it exists")
		return func(ctx context.Context, args []string) (err error) {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			s, err := e.open(ctx, openOptions{values: !*sealed, rawValues: true})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			if *sealed && s.ring == nil {
				return errors.New("the store is plaintext: nothing is sealed (export without --sealed)")
			}
			buckets := []string(e.g.buckets)
			if len(buckets) == 0 {
				if buckets, err = e.allBuckets(ctx, s.cfg, s.raw); err != nil {
					return err
				}
			}
			w := e.stdout
			var file *outFile
			if *out != "" {
				if file, err = createOutFile(*out, *force); err != nil {
					return err
				}
				defer file.abort()
				w = file
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			pr := e.newProgress("exported", -1)
			skipped := &skipReport{e: e, s: s}
			n, err := s.export(ctx, bw, buckets, *sealed, e.g.keyType, pr, skipped)
			if err != nil {
				pr.stop()
				return fmt.Errorf("after %d records: %w", n, err)
			}
			pr.finish()
			if err := bw.Flush(); err != nil {
				return err
			}
			if file != nil {
				if err := file.commit(); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "export: wrote %d records to %s\n", n, *out)
			}
			return skipped.err()
		}
	},
}

// export writes the records of buckets to w and returns how many. A
// record it cannot read or render is reported to skipped and left out.
func (s *session) export(ctx context.Context, w io.Writer, buckets []string, sealed bool, keyType string, pr progress, skipped *skipReport) (int64, error) {
	var n int64
	for _, b := range buckets {
		if !persisted(s.cfg, b) {
			continue
		}
		src := s.pipe
		if sealed {
			src = s.raw
		}
		for r, err := range src.Scan(ctx, b) {
			if store.IsRecordError(err) {
				if sealed {
					skipped.addRaw(b, nil, err)
				} else {
					skipped.add(b, nil, err)
				}
				continue
			}
			if err != nil {
				return n, fmt.Errorf("bucket %s: %w", showBucket(b), err)
			}
			var l []byte
			if sealed {
				if l, err = sealedLine(b, r.Key, r.Value, r.ExpireAt); err != nil {
					skipped.addRaw(b, r.Key, err)
					continue
				}
			} else if l, err = s.plainRecordLine(b, r.Key, r.Value, r.ExpireAt, keyType); err != nil {
				skipped.add(b, r.Key, err)
				continue
			}
			if _, err := w.Write(l); err != nil {
				return n, err
			}
			n++
			pr.set(n)
		}
	}
	return n, nil
}

// outFile is an export file: written under a temporary name, renamed into
// place once complete, so that a failed export leaves no partial file
// that looks whole.
type outFile struct {
	*os.File
	path  string
	force bool
	done  bool
}

func createOutFile(path string, force bool) (*outFile, error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("%s exists (use --force to replace it)", path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	// CreateTemp makes the file 0600: exports may hold decrypted data.
	return &outFile{File: f, path: path, force: force}, nil
}

func (f *outFile) commit() error {
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if f.force {
		if err := os.Rename(f.Name(), f.path); err != nil {
			return err
		}
	} else {
		if err := os.Link(f.Name(), f.path); err != nil {
			return err
		}
		if err := os.Remove(f.Name()); err != nil {
			return err
		}
	}
	f.done = true
	return syncDir(filepath.Dir(f.path))
}

// abort removes the temporary file unless commit succeeded.
func (f *outFile) abort() {
	if !f.done {
		f.Close()
		os.Remove(f.Name())
	}
}

// plainRecordLine decodes a record read from the pipeline into its line,
// with its value both rendered and exact (raw). A gob value, which only
// the program's own types decode, is exported as raw alone.
func (s *session) plainRecordLine(bucket string, kb, vb []byte, expireAt time.Time, keyType string) ([]byte, error) {
	key, err := s.keys.DecodeKey(kb)
	if err != nil {
		return nil, fmt.Errorf("the key does not decode as --key-type %s: %w", keyType, err)
	}
	var v any
	if c := s.codecName(); c != config.CodecGob {
		if v, err = s.values.Decode(vb); err != nil {
			return nil, fmt.Errorf("the value does not decode as %s: %w", c, err)
		}
	}
	if vb == nil {
		vb = []byte{}
	}
	return plainLine(bucket, key, keyType, v, expireAt, vb, s.codecName())
}
