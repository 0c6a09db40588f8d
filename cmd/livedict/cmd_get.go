package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/livedict/livedict"
)

var getCommand = &command{
	name:    "get",
	args:    "[flags] KEY",
	summary: "print the value of a key as JSON",
	help: `Reads KEY from the configured store's backend, opens it with the configured
keys, decodes it with the configured codec and prints it as JSON on one line.
Exits with 4 when KEY has no live value (missing or expired).

Example:
  livedict get --bucket sessions user:42`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) (err error) {
			bucket, key, err := e.bucketKey(args, "KEY")
			if err != nil {
				return err
			}
			s, err := e.open(ctx, openOptions{values: true})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			if err := requirePersisted(s.cfg, bucket); err != nil {
				return err
			}
			v, err := s.store.Bucket(bucket).Load(ctx, key)
			if errors.Is(err, livedict.ErrNotFound) {
				return notFoundErr("key %q has no live value in bucket %s", key, showBucket(bucket))
			}
			if err != nil {
				return err
			}
			b, err := toJSON(v)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "%s\n", b)
			return err
		}
	},
}
