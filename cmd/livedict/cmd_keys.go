package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strconv"

	"github.com/livedict/livedict/store"
)

var keysCommand = &command{
	name:    "keys",
	args:    "[flags]",
	summary: "list the keys of a bucket",
	help: `Lists the keys of one bucket (--bucket, default the default bucket) with a
live value in the backend, sorted, one per line, by scanning the backend and
opening every record with the configured keys. A record that cannot be read
(damaged, sealed under a key no longer configured, or whose key does not
decode) is named on stderr by its storage name and skipped, and keys exits
with code 5 once done. A key that cannot be printed
as it is (control characters, invalid UTF-8, surrounding spaces, a leading
quote) is printed as a JSON string; --json prints every key that way.

Example:
  livedict keys --bucket sessions`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		asJSON := fs.Bool("json", false, "print every key as a JSON string (or number with --key-type int)")
		return func(ctx context.Context, args []string) (err error) {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			bucket, err := e.oneBucket()
			if err != nil {
				return err
			}
			s, err := e.open(ctx, openOptions{})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			var keys []string
			skipped := &skipReport{e: e, s: s}
			for r, err := range s.pipe.Scan(ctx, bucket) {
				if store.IsRecordError(err) {
					skipped.add(bucket, nil, err)
					continue
				}
				if err != nil {
					return fmt.Errorf("bucket %s: %w", showBucket(bucket), err)
				}
				k, err := s.keys.DecodeKey(r.Key)
				if err != nil {
					skipped.add(bucket, r.Key, fmt.Errorf("the key does not decode as --key-type %s: %w", e.g.keyType, err))
					continue
				}
				keys = append(keys, k)
			}
			if e.g.keyType == "int" {
				slices.SortFunc(keys, func(a, b string) int {
					x, _ := strconv.ParseInt(a, 10, 64)
					y, _ := strconv.ParseInt(b, 10, 64)
					return cmp.Compare(x, y)
				})
			} else {
				slices.Sort(keys)
			}
			for _, k := range keys {
				if (*asJSON || !printable(k)) && e.g.keyType != "int" {
					b, _ := json.Marshal(k) // a string always marshals
					k = string(b)
				}
				if _, err := fmt.Fprintln(e.stdout, k); err != nil {
					return err
				}
			}
			return skipped.err()
		}
	},
}
