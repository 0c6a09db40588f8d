package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/config"
)

var setCommand = &command{
	name:    "set",
	args:    "[flags] KEY VALUE",
	summary: "store a value under a key",
	help: `Stores VALUE under KEY in the configured store and returns once the backend
has it (write-behind buckets are flushed before livedict exits). VALUE is
parsed as JSON when it is a JSON value (42, true, {"a":1}, "quoted"), else
stored as the string it is; --string stores it as a string in every case.
Without --ttl the bucket's default TTL applies.

Examples:
  livedict set greeting hello
  livedict set --bucket sessions user:42 '{"name":"Ada","roles":["admin"]}' --ttl 30m
  livedict set counter -- -1`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		ttlFlag := fs.String("ttl", "", "time to live: a Go duration such as 90s or 5m, or never; default: the bucket's default TTL")
		asString := fs.Bool("string", false, "store VALUE as a string even when it is JSON")
		return func(ctx context.Context, args []string) (err error) {
			bucket, key, err := e.bucketKey(args, "KEY", "VALUE")
			if err != nil {
				return err
			}
			ttl, err := parseTTL(*ttlFlag)
			if err != nil {
				return err
			}
			var value any = args[1]
			if !*asString {
				value = parseValue(args[1])
			}
			s, err := e.open(ctx, openOptions{values: true})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			if err := requirePersisted(s.cfg, bucket); err != nil {
				return err
			}
			if err := s.store.Bucket(bucket).SetContext(ctx, key, value, ttl); err != nil {
				return err
			}
			if err := s.store.Flush(ctx); err != nil {
				return fmt.Errorf("the value did not reach the backend: %w", err)
			}
			return s.firstReported()
		}
	},
}

// parseTTL reads --ttl: empty or 0 for the bucket's default, "never", or
// a positive Go duration.
func parseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return livedict.DefaultTTL, nil
	}
	var d config.Duration
	if err := d.UnmarshalText([]byte(s)); err != nil {
		return 0, usageErr("--ttl: %v", err)
	}
	switch {
	case d == config.Never:
		return livedict.NoExpiry, nil
	case d < 0:
		return 0, usageErr("--ttl must be positive or never, got %s", s)
	}
	return time.Duration(d), nil
}
