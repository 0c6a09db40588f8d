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
	args:    "[flags] KEY",
	summary: "delete a key",
	help: `Deletes KEY from the configured store's backend and prints "deleted", or
"not found" when there was no live value (which is not an error). A record
that no longer opens (damaged, or sealed under a key no longer configured)
is deleted too.

Example:
  livedict del --bucket sessions user:42`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) (err error) {
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
