package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
)

// Store is a [store.Stage] kept in Redis. It also implements
// [store.BatchPutter], [store.NativeTTL] and [store.Pinger], and is safe for
// concurrent use. Create one with [Open] or [OpenURL].
type Store struct {
	client    goredis.UniversalClient
	owned     bool // Close closes client
	names     namer
	timeout   time.Duration // <= 0: none of our own
	scanCount int
	maxValue  int64
	// nodes calls fn on each server holding a part of the keyspace, for
	// SCAN, or is nil when client talks to one server.
	nodes func(ctx context.Context, fn func(context.Context, *goredis.Client) error) error
	// allNodes calls fn on every server, replicas included, for Ping; nil
	// when client talks to one server.
	allNodes func(ctx context.Context, fn func(context.Context, *goredis.Client) error) error
	closed   atomic.Bool
}

// Interfaces Store promises to implement.
var (
	_ store.Stage       = (*Store)(nil)
	_ store.BatchPutter = (*Store)(nil)
	_ store.NativeTTL   = (*Store)(nil)
	_ store.Pinger      = (*Store)(nil)
)

// Open returns a Store over the Redis setup opts describes; nil opts mean
// the zero Options (a standalone server at 127.0.0.1:6379). Open does not
// contact the server: go-redis connects on first use and reconnects as
// needed, so use [Store.Ping] to check the server is there. Invalid options
// give an error matching [ErrInvalidOptions].
func Open(opts *Options) (*Store, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Client != nil {
		return newStore(opts.Client, false, opts), nil
	}
	return newStore(opts.newClient(), true, opts), nil
}

func newStore(client goredis.UniversalClient, owned bool, opts *Options) *Store {
	s := &Store{
		client:    client,
		owned:     owned,
		names:     newNamer(cmp.Or(opts.Prefix, DefaultPrefix)),
		timeout:   cmp.Or(opts.Timeout, DefaultTimeout),
		scanCount: cmp.Or(opts.ScanCount, DefaultScanCount),
		maxValue:  cmp.Or(opts.MaxValueSize, DefaultMaxValueSize),
	}
	switch c := client.(type) {
	case *goredis.ClusterClient:
		s.nodes, s.allNodes = c.ForEachMaster, c.ForEachShard
	case *goredis.Ring:
		s.nodes, s.allNodes = c.ForEachShard, c.ForEachShard
	}
	return s
}

// check makes the open and context checks every method starts with.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return ctx.Err()
}

// call runs one round trip, fn, under the per-call deadline and maps its
// error.
func (s *Store) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	cctx, cancel := ctx, context.CancelFunc(nil)
	if s.timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, s.timeout)
	}
	err := recovered(op, func() error { return fn(cctx) })
	timedOut := err != nil && ctx.Err() == nil && cctx.Err() != nil
	if cancel != nil {
		cancel()
	}
	if err == nil {
		return nil
	}
	return s.mapErr(ctx, op, err, timedOut)
}

// mapErr turns a go-redis error into one matching the sentinels the
// contract asks for: ErrNotFound for a missing key, ErrClosed after Close,
// ctx.Err() when the caller's context ended, context.DeadlineExceeded when
// the Store's own Timeout did.
func (s *Store) mapErr(ctx context.Context, op string, err error, timedOut bool) error {
	switch {
	case errors.Is(err, goredis.Nil):
		return store.ErrNotFound
	case s.closed.Load() || errors.Is(err, goredis.ErrClosed):
		return fmt.Errorf("store/redis: %s: %w (%w)", op, store.ErrClosed, err)
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("store/redis: %s: %w (%w)", op, ctx.Err(), err)
	case timedOut && !errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("store/redis: %s: no answer within %v: %w (%w)", op, s.timeout, context.DeadlineExceeded, err)
	case timedOut:
		return fmt.Errorf("store/redis: %s: no answer within %v: %w", op, s.timeout, err)
	}
	return fmt.Errorf("store/redis: %s: %w", op, err)
}

// putCmd returns the command that Put sends for r: SET, with PXAT when r
// expires, or DEL when r has already expired at now, so that the old record
// disappears at once. The SET's key and value live in a pooled buffer, which
// the caller hands back with release once the command has been sent and
// answered (go-redis has then written the arguments and keeps no use of
// them).
func (s *Store) putCmd(ctx context.Context, r store.Record, now time.Time) (goredis.Cmder, *buffer) {
	ms := expireMillis(r.ExpireAt)
	if !r.ExpireAt.IsZero() && !time.UnixMilli(ms).After(now) {
		return goredis.NewIntCmd(ctx, "del", s.names.name(r.Bucket, r.Key)), nil
	}
	buf := getBuffer()
	b := s.names.appendName(buf.b[:0], r.Bucket, r.Key)
	n := len(b)
	b = appendValue(b, ms, r.Value)
	buf.b = b
	name, value := b[:n:n], b[n:]
	if ms == 0 {
		return goredis.NewStatusCmd(ctx, "set", name, value), buf
	}
	return goredis.NewStatusCmd(ctx, "set", name, value, "pxat", ms), buf
}

// buffer holds the arguments of one SET.
type buffer struct{ b []byte }

// maxPooledBuffer keeps big values' buffers out of the pool, so that one
// large Put does not pin its memory.
const maxPooledBuffer = 64 << 10

var bufferPool = sync.Pool{New: func() any { return new(buffer) }}

func getBuffer() *buffer { return bufferPool.Get().(*buffer) }

// release returns buf, which may be nil, to the pool.
func (buf *buffer) release() {
	if buf == nil || cap(buf.b) > maxPooledBuffer {
		return
	}
	buf.b = buf.b[:0]
	bufferPool.Put(buf)
}

// Put stores r under its bucket and key with SET, replacing the record and
// its expiry (a Put without ExpireAt makes the key persistent). A record
// whose ExpireAt has passed deletes the key instead. It returns once Redis
// has acknowledged the write; see the package documentation for what that
// means for durability.
func (s *Store) Put(ctx context.Context, r store.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := s.checkSize(r); err != nil {
		return fmt.Errorf("store/redis: put: %w", err)
	}
	return s.call(ctx, "put", func(ctx context.Context) error {
		cmd, buf := s.putCmd(ctx, r, time.Now())
		defer buf.release()
		return s.client.Process(ctx, cmd)
	})
}

// checkSize refuses a value longer than MaxValueSize, which the Store's
// connections would refuse to read back.
func (s *Store) checkSize(r store.Record) error {
	if int64(len(r.Value)) > s.maxValue {
		return fmt.Errorf("%w: %d bytes is more than MaxValueSize %d", ErrTooLarge, len(r.Value), s.maxValue)
	}
	return nil
}

// Get returns the record for bucket and key with one GET. A key that is
// missing, or whose stored ExpireAt is not after time.Now (even if Redis has
// not removed it yet), gives an error matching store.ErrNotFound.
func (s *Store) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := s.check(ctx); err != nil {
		return store.Record{}, err
	}
	var raw []byte
	err := s.call(ctx, "get", func(ctx context.Context) error {
		var err error
		raw, err = s.client.Get(ctx, s.names.name(bucket, key)).Bytes()
		return err
	})
	if err != nil {
		return store.Record{}, err
	}
	value, exp, err := decodeValue(raw)
	if err != nil {
		return store.Record{}, fmt.Errorf("store/redis: get: %w", err)
	}
	r := store.Record{Bucket: bucket, Key: append([]byte(nil), key...), Value: value, ExpireAt: exp}
	if r.Expired(time.Now()) {
		return store.Record{}, store.ErrNotFound
	}
	return r, nil
}

// Delete removes the record for bucket and key with DEL.
func (s *Store) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.call(ctx, "delete", func(ctx context.Context) error {
		return s.client.Del(ctx, s.names.name(bucket, key)).Err()
	})
}

// NativeTTL reports true: Redis removes expired keys itself.
func (s *Store) NativeTTL() bool { return true }

// Ping sends PING to the server, or to every node, replicas included, of a
// cluster or ring, and returns nil when all answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	return s.call(ctx, "ping", func(ctx context.Context) error {
		if s.allNodes == nil {
			return s.client.Ping(ctx).Err()
		}
		return s.allNodes(ctx, func(ctx context.Context, c *goredis.Client) error {
			if err := c.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("%s: %w", c.Options().Addr, err)
			}
			return nil
		})
	})
}

// Close marks the Store closed and, unless the client was given in
// Options.Client, closes the client and its connections. Redis keeps the
// data. A second Close returns nil.
func (s *Store) Close() error {
	if s.closed.Swap(true) || !s.owned {
		return nil
	}
	if err := recovered("close", s.client.Close); err != nil && !errors.Is(err, goredis.ErrClosed) {
		return fmt.Errorf("store/redis: close: %w", err)
	}
	return nil
}
