package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/livedict/livedict/store"
)

var delCommand = &command{
	name:    "del",
	args:    "[flags] KEY | --storage-name NAME",
	summary: "delete a key, or a record by its storage name",
	help: `Deletes KEY from the configured store's backend and prints "deleted", or
"not found" when there was no live value (which is not an error). A record
that no longer opens (damaged, or sealed under a key no longer configured)
is deleted too.

With --storage-name NAME (and no KEY), deletes the record the backend holds
under NAME in the bucket, below every layer: the name keys, export, Warm
and Rotate print for a record they skipped because it cannot be read. In an
encrypted store it is 64 hex digits; in a plaintext one it is the encoded
key, printed quoted (give it quoted, as printed). No key is needed to
delete by name.

Examples:
  livedict del --bucket sessions user:42
  livedict del --bucket sessions --storage-name 3f1c...e801`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		byName := fs.String("storage-name", "", "delete the record stored under `NAME` (as keys, export, Warm and Rotate print it) instead of KEY")
		return func(ctx context.Context, args []string) (err error) {
			if *byName != "" {
				return e.delByName(ctx, args, *byName)
			}
			bucket, key, err := e.bucketKey(args, "KEY")
			if err != nil {
				return err
			}
			s, err := e.open(ctx, openOptions{})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			kb, err := s.keys.EncodeKey(nil, key)
			if err != nil {
				return err
			}
			// Memory is empty in a fresh process, so the delete goes to
			// the pipeline itself, which names and removes the record.
			_, err = s.pipe.Get(ctx, bucket, kb)
			found := !errors.Is(err, store.ErrNotFound)
			if err != nil && ctx.Err() != nil {
				return err
			}
			if !found {
				_, err = fmt.Fprintln(e.stdout, "not found")
				return err
			}
			if err := s.pipe.Delete(ctx, bucket, kb); err != nil {
				return err
			}
			_, err = fmt.Fprintln(e.stdout, "deleted")
			return err
		}
	},
}

// delByName deletes the record stored under a storage name, from the
// backend alone: it needs no key and reads nothing it would have to open.
func (e *env) delByName(ctx context.Context, args []string, text string) (err error) {
	if err := e.wantArgs(args); err != nil {
		return usageErr("--storage-name takes no KEY")
	}
	bucket, err := e.oneBucket()
	if err != nil {
		return err
	}
	name, err := parseName(text)
	if err != nil {
		return err
	}
	c, raw, err := e.openRaw(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := raw.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	if err := requirePersisted(c, bucket); err != nil {
		return err
	}
	_, err = raw.Get(ctx, bucket, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		_, err = fmt.Fprintln(e.stdout, "not found")
		return err
	case err != nil && !errors.Is(err, store.ErrCorrupt) && ctx.Err() != nil:
		return err
	}
	// A backend that cannot read the record's bytes still deletes it.
	if err := raw.Delete(ctx, bucket, name); err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, "deleted")
	return err
}
