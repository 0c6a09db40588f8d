package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/livedict/livedict/snapshot"
	snapblob "github.com/livedict/livedict/snapshot/blob"
	"golang.org/x/term"
)

var snapshotCommand = &command{
	name:    "snapshot",
	args:    "[flags] DEST",
	summary: "write a sealed snapshot of the store to a file or object store",
	help: `Writes a snapshot of the chosen buckets (--bucket, repeatable; default: the
default bucket and every bucket the configuration declares) to DEST: a file,
- for stdout, or an object URL (file:///dir/name, s3://bucket/key,
gs://bucket/key, azblob://container/key; credentials as the cloud's SDK
finds them). Each bucket is read from the backend into memory first.

Records are sealed with the configured keyring and bound to the store's
name; every frame is chained into a MAC keyed from the name key, so
restore refuses a snapshot that was cut short, reordered or altered. A
file is written under a temporary name (mode 0600) and renamed into place
once whole; an object is committed only once whole. A plaintext store
writes a plaintext snapshot only with --plaintext. Expired entries are not
written; expiries are kept. The format is in docs/backends.md.

Examples:
  livedict snapshot /var/backups/app.snap
  livedict snapshot --bucket sessions s3://backups/livedict/sessions.snap?region=eu-west-1`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		force := fs.Bool("force", false, "replace DEST if it is a file that exists")
		plaintext := fs.Bool("plaintext", false, "allow a plaintext snapshot of a plaintext store")
		return func(ctx context.Context, args []string) (err error) {
			if err := e.wantArgs(args, "DEST"); err != nil {
				return err
			}
			dest := args[0]
			if dest == "-" && isTerminalOut(e.stdout) {
				return usageErr("will not write a snapshot to a terminal (redirect stdout, or name a file)")
			}
			s, err := e.open(ctx, openOptions{values: true})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			opts, err := s.snapshotOptions(*plaintext)
			if err != nil {
				return err
			}
			// Only persisted buckets have anything to snapshot here; a
			// memory-only one named with --bucket is an error, and one the
			// configuration declares is left out (restore would refuse it).
			var buckets []string
			for _, b := range e.g.buckets {
				if err := requirePersisted(s.cfg, b); err != nil {
					return err
				}
				buckets = append(buckets, b)
			}
			if len(buckets) == 0 {
				all, err := e.allBuckets(ctx, s.cfg, s.raw)
				if err != nil {
					return err
				}
				for _, b := range all {
					if persisted(s.cfg, b) {
						buckets = append(buckets, b)
					}
				}
			}
			var total int64
			for _, b := range buckets {
				if _, err := s.store.Bucket(b).Warm(ctx); err != nil {
					return fmt.Errorf("bucket %s: read from the backend: %w", showBucket(b), err)
				}
				total += int64(s.store.Bucket(b).Len())
			}
			opts.Buckets = buckets
			pr := e.newProgress("wrote", total)
			opts.Progress = func(st snapshot.Stats) { pr.set(st.Records) }
			st, err := e.writeSnapshot(ctx, dest, *force, s, opts)
			if err != nil {
				pr.stop()
				return fmt.Errorf("after %d records: %w", st.Records, snapshotErr(err))
			}
			pr.finish()
			// stdout may hold the snapshot: the summary goes to stderr.
			fmt.Fprintf(e.stderr, "snapshot: wrote %d records of %d buckets (%d bytes) to %s\n", st.Records, st.Buckets, st.Bytes, showDest(dest))
			return nil
		}
	},
}

// snapshotOptions are the snapshot options of the configured store.
func (s *session) snapshotOptions(plaintext bool) (snapshot.Options[string, any], error) {
	opts := snapshot.Options[string, any]{
		Keyring: s.ring, NameKey: s.nameKey, Name: s.storeName(),
		KeyCodec: s.keys, Codec: s.values,
	}
	switch {
	case s.ring == nil && !plaintext:
		return opts, usageErr("the store is plaintext: its snapshot would be too; pass --plaintext to accept that")
	case s.ring != nil && plaintext:
		return opts, usageErr("--plaintext is for plaintext stores; this one is encrypted, and so are its snapshots")
	}
	opts.Plaintext = s.ring == nil
	return opts, nil
}

// writeSnapshot writes the snapshot to dest: a file, stdout or an object.
func (e *env) writeSnapshot(ctx context.Context, dest string, force bool, s *session, opts snapshot.Options[string, any]) (snapshot.Stats, error) {
	switch {
	case isURL(dest):
		return snapblob.WriteURL(ctx, dest, s.store, opts)
	case dest == "-":
		return snapshot.Write(ctx, e.stdout, s.store, opts)
	}
	f, err := createOutFile(dest, force)
	if err != nil {
		return snapshot.Stats{}, err
	}
	defer f.abort()
	st, err := snapshot.Write(ctx, f, s.store, opts)
	if err != nil {
		return st, err
	}
	return st, f.commit()
}

// openSnapshot opens the snapshot at src: a file, stdin or an object.
// Objects are read by restoreFrom itself.
func (e *env) openSnapshot(src string) (io.ReadCloser, error) {
	if src == "-" {
		return io.NopCloser(e.stdin), nil
	}
	return os.Open(src)
}

// isURL reports whether a DEST or SOURCE is an object URL.
func isURL(s string) bool { return strings.Contains(s, "://") }

// showDest names a destination in messages; a URL's query (which may
// carry credentials) is left out.
func showDest(d string) string {
	if d == "-" {
		return "stdout"
	}
	if isURL(d) {
		d, _, _ = strings.Cut(d, "?")
	}
	return d
}

func isTerminalOut(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// snapshotErr gives snapshot errors that mean the configuration does not
// fit the snapshot (keys, store name, plaintext) the configuration exit
// code.
func snapshotErr(err error) error {
	if errors.Is(err, snapshot.ErrWrongKey) || errors.Is(err, snapshot.ErrWrongStore) || errors.Is(err, snapshot.ErrPlaintext) {
		return configErr(err)
	}
	return err
}
