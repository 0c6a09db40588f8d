package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EnvURLs are the environment variables, in order of preference, that name
// an existing standalone server for [Standalone].
var EnvURLs = []string{"LIVEDICT_REDIS_URL", "REDIS_URL"}

// Standalone returns the URL of a standalone server for tb: the one the
// first set variable of EnvURLs names (a redis:// or rediss:// URL), or a
// server started for tb with [Start]. Tests that share a server this way
// must keep their keys under a [Prefix].
func Standalone(tb testing.TB) string {
	tb.Helper()
	for _, name := range EnvURLs {
		if u := os.Getenv(name); u != "" {
			return u
		}
	}
	return Start(tb).URL()
}

// Prefix returns a key prefix unique to tb and, when tb ends, deletes every
// key whose name starts with it from the standalone server at url (so a
// shared server is left as it was found).
func Prefix(tb testing.TB, url string) string {
	tb.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "livedict-test-" + hex.EncodeToString(b[:])
	opts, err := goredis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redistest: parse %s: %v", redact(url), err)
	}
	// A server the test started may be gone by cleanup time: fail fast then.
	opts.MaxRetries, opts.DialerRetries = -1, 1
	tb.Cleanup(func() {
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var names []string
		for iter.Next(ctx) {
			names = append(names, iter.Val())
			if len(names) == 1000 {
				c.Unlink(ctx, names...)
				names = names[:0]
			}
		}
		if len(names) > 0 {
			c.Unlink(ctx, names...)
		}
	})
	return prefix
}

// redact drops the user info of a URL for messages.
func redact(url string) string {
	if scheme, rest, ok := strings.Cut(url, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return scheme + "://…@" + rest[at+1:]
		}
	}
	return url
}
