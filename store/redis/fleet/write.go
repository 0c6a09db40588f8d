package fleet

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/livedict/livedict"
)

// expiry is how a write sets the key's expiry in Redis.
type expiry struct {
	mode string // "px": at pxat; "keep": KEEPTTL; "none": no expiry
	pxat int64  // Unix milliseconds, for "px"
}

// resolveTTL turns a ttl argument into an expiry, as livedict does:
// livedict.DefaultTTL (0) means Options.TTL, livedict.NoExpiry none,
// livedict.KeepTTL the key's current deadline. Anything else below zero
// or above livedict.MaxTTL gives an error matching livedict.ErrInvalidTTL.
func (m *Map[K, V]) resolveTTL(ttl time.Duration) (expiry, error) {
	switch {
	case ttl == livedict.DefaultTTL:
		ttl = m.opts.TTL
		if ttl == 0 {
			return expiry{mode: "none"}, nil
		}
	case ttl == livedict.NoExpiry:
		return expiry{mode: "none"}, nil
	case ttl == livedict.KeepTTL:
		return expiry{mode: "keep"}, nil
	case ttl < 0 || ttl > livedict.MaxTTL:
		return expiry{}, fmt.Errorf("fleet: ttl %v: %w", ttl, livedict.ErrInvalidTTL)
	}
	// Round up to the next millisecond: an expiry never comes early.
	at := time.Now().Add(ttl)
	ms := at.UnixMilli()
	if at.UnixNano()%int64(time.Millisecond) != 0 {
		ms++
	}
	return expiry{mode: "px", pxat: ms}, nil
}

func (x expiry) args() []any {
	switch x.mode {
	case "px":
		return []any{"PXAT", x.pxat}
	case "keep":
		return []any{"KEEPTTL"}
	}
	return nil
}

func (x expiry) scriptArgs() (string, string) {
	return x.mode, strconv.FormatInt(x.pxat, 10)
}

// Set stores value under key with the default TTL (Options.TTL). It
// returns once Redis has acknowledged the write; from then on no Get on
// any instance returns an older value once its lease has moved past the
// write (see the package doc), and Gets on this instance never do.
func (m *Map[K, V]) Set(ctx context.Context, key K, value V) error {
	return m.SetWithTTL(ctx, key, value, livedict.DefaultTTL)
}

// SetWithTTL is Set with a TTL, taken as livedict takes it: 0 means the
// default, livedict.NoExpiry none, livedict.KeepTTL the current deadline.
func (m *Map[K, V]) SetWithTTL(ctx context.Context, key K, value V, ttl time.Duration) error {
	if err := m.check(ctx); err != nil {
		return err
	}
	x, err := m.resolveTTL(ttl)
	if err != nil {
		return err
	}
	sname, err := m.storageName(key)
	if err != nil {
		return err
	}
	stored, err := m.encode(sname, value)
	if err != nil {
		return err
	}
	args := append([]any{"SET", m.prefix + sname, stored}, x.args()...)
	err = m.writeCall(ctx, "set", func(ctx context.Context) error {
		return m.sendOnce(ctx, args...).Err()
	})
	m.near.invalidate(sname)
	if err != nil {
		return err
	}
	return m.runOnSet(key, value)
}

// Delete removes key from Redis and reports whether it held a value.
func (m *Map[K, V]) Delete(ctx context.Context, key K) (bool, error) {
	if err := m.check(ctx); err != nil {
		return false, err
	}
	sname, err := m.storageName(key)
	if err != nil {
		return false, err
	}
	var n int64
	err = m.writeCall(ctx, "delete", func(ctx context.Context) error {
		var err error
		n, err = m.sendOnce(ctx, "del", m.prefix+sname).Int64()
		return err
	})
	m.near.invalidate(sname)
	if err != nil || n == 0 {
		return false, err
	}
	return true, m.runOnDelete(key)
}

var touchScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'px' then redis.call('PEXPIREAT', KEYS[1], ARGV[2])
elseif ARGV[1] == 'none' then redis.call('PERSIST', KEYS[1]) end
return 1
`)

// Touch gives key a new TTL (as SetWithTTL takes it) without changing its
// value, and reports whether key held a value.
func (m *Map[K, V]) Touch(ctx context.Context, key K, ttl time.Duration) (bool, error) {
	if err := m.check(ctx); err != nil {
		return false, err
	}
	x, err := m.resolveTTL(ttl)
	if err != nil {
		return false, err
	}
	sname, err := m.storageName(key)
	if err != nil {
		return false, err
	}
	mode, at := x.scriptArgs()
	var n int64
	err = m.writeCall(ctx, "touch", func(ctx context.Context) error {
		var err error
		n, err = m.evalOnce(ctx, touchScript, []string{m.prefix + sname}, mode, at).Int64()
		return err
	})
	m.near.invalidate(sname)
	return n == 1, err
}

// runOnSet runs Options.OnSet, turning a panic into an error.
func (m *Map[K, V]) runOnSet(key K, value V) (err error) {
	if m.opts.OnSet == nil {
		return nil
	}
	defer recoverHook("OnSet", &err)
	m.opts.OnSet(key, value)
	return nil
}

func (m *Map[K, V]) runOnDelete(key K) (err error) {
	if m.opts.OnDelete == nil {
		return nil
	}
	defer recoverHook("OnDelete", &err)
	m.opts.OnDelete(key)
	return nil
}

// recoverHook turns a hook's panic into an error matching
// livedict.ErrPanicked; the write it followed stands.
func recoverHook(name string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("fleet: %s: %w: %v", name, livedict.ErrPanicked, r)
	}
}
