package fleet

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// A write is sent to Redis at most once. go-redis re-sends a command whose
// connection broke (MaxRetries, and a ClusterClient's retries on another
// node) even when Redis ran it and only the reply was lost; for a DEL, a
// conditional script or a read-modify-write that second run gives a wrong
// answer or applies the write twice. So every write goes through
// writeOnce or evalOnce, whose commands tell go-redis not to retry them
// (NoRetry), and an error that is not Redis's own reply means the outcome
// is unknown: the write ran once or not at all, and the error matches
// [ErrOutcomeUnknown]. MOVED, ASK and NOSCRIPT replies (the command did
// not run) are still followed. Reads are idempotent and keep the client's
// retries.

// noRetryCmd is a command go-redis sends once: its NoRetry reports true.
type noRetryCmd struct{ *goredis.Cmd }

func (noRetryCmd) NoRetry() bool { return true }

// script is a Lua script sent with EVALSHA, and with EVAL when the server
// answers NOSCRIPT (it ran nothing).
type script struct {
	src, sha string
}

func newScript(src string) *script {
	h := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(h[:])}
}

// sendOnce sends args once and returns the command (its Err, Int64, Text
// ... as go-redis's).
func (m *Map[K, V]) sendOnce(ctx context.Context, args ...any) *goredis.Cmd {
	c := goredis.NewCmd(ctx, args...)
	_ = m.client.Process(ctx, noRetryCmd{c})
	return c
}

// evalOnce runs s once with keys and args.
func (m *Map[K, V]) evalOnce(ctx context.Context, s *script, keys []string, args ...any) *goredis.Cmd {
	argv := make([]any, 0, 3+len(keys)+len(args))
	argv = append(argv, "evalsha", s.sha, len(keys))
	for _, k := range keys {
		argv = append(argv, k)
	}
	argv = append(argv, args...)
	c := m.sendOnce(ctx, argv...)
	if err := c.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		argv[0], argv[1] = "eval", s.src
		c = m.sendOnce(ctx, argv...)
	}
	return c
}

// writeCall is call for a write: an error other than a reply of Redis
// itself also matches ErrOutcomeUnknown.
func (m *Map[K, V]) writeCall(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	err := m.call(ctx, op, fn)
	if err == nil || errors.Is(err, goredis.Nil) {
		return err
	}
	var reply goredis.Error
	if errors.As(err, &reply) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
}
