package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/redis"
)

// Map is one instance's view of a shared bucket kept in Redis, with a
// near cache. It is safe for concurrent use. Create one with [Open]; the
// package doc says what it promises.
type Map[K comparable, V any] struct {
	opts    Options[K, V]
	client  goredis.UniversalClient
	owned   bool          // Close closes client
	timeout time.Duration // per round trip; <= 0: none of our own
	prefix  string
	namer   *crypto.Namer // nil without Keyring
	near    *near[K, V]
	now     clock
	lease   atomic.Int64 // near hits are served while now() < lease

	tmu      sync.Mutex
	trackers []*tracker
	kick     chan struct{}
	upOnce   sync.Once
	up       chan struct{} // closed when the lease first becomes valid

	ctx     context.Context // ends at Close; parent of the trackers'
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closed  atomic.Bool
	stats   counters
	flights flights[V]
}

type counters struct {
	fills, fillsDiscarded, invalidations, flushes, reconnects atomic.Uint64
	conflicts, leaseBypasses, staleRejects                    atomic.Uint64
}

// Stats are counters since Open. Each is exact once the Map is quiet.
// Invalidations and Reconnects move only after their effect: a test or a
// harness may wait for them to move to know that an invalidation was
// applied or that a new tracking connection confirms its stream.
type Stats struct {
	Fills          uint64 // near-cache inserts of values read from Redis
	FillsDiscarded uint64 // fills not inserted: an invalidation, flush or lapsed lease came between their read and their insert
	Invalidations  uint64 // storage names of this Map that trackers invalidated (each name of each message)
	Flushes        uint64 // whole-near-cache flushes: a null invalidation, a tracker drop, a change of the master set, Clear
	Reconnects     uint64 // tracking connections re-established (and confirmed) after one was lost
	Conflicts      uint64 // read-modify-writes retried because another write changed the key in between
	LeaseBypasses  uint64 // Gets that read Redis because the lease had lapsed
	NearHits       uint64 // Gets answered from the near cache
	NearMisses     uint64 // Gets that read Redis
	NearEntries    int    // entries in the near cache now
}

// Open connects to Redis, starts one tracker per master and returns once
// every tracker confirms its stream, or fails when ctx ends first. It
// returns an error matching [ErrInvalidOptions] for options it cannot use
// (a Ring client among them).
func Open[K comparable, V any](ctx context.Context, opts Options[K, V]) (*Map[K, V], error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	m := &Map[K, V]{
		opts:   opts,
		prefix: keyPrefix + opts.Name + ":",
		kick:   make(chan struct{}, 1),
		up:     make(chan struct{}),
		now:    opts.clock,
	}
	if m.now == nil {
		m.now = monoClock()
	}
	if opts.Keyring != nil {
		m.namer = crypto.NewNamer(opts.NameKey)
	}
	var err error
	if opts.URL != "" {
		var ro *redis.Options
		m.client, ro, err = redis.NewClientURL(opts.URL)
		if err == nil {
			m.timeout = ro.Timeout
		}
		m.owned = true
	} else {
		m.client, err = redis.NewClient(&opts.Redis)
		m.timeout = opts.Redis.Timeout
		m.owned = opts.Redis.Client == nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	if m.timeout == 0 {
		m.timeout = redis.DefaultTimeout
	}
	m.lease.Store(noConfirm)
	if m.near, err = newNear[K, V](opts.NearCacheSize); err != nil {
		m.closeClient()
		return nil, fmt.Errorf("fleet: near cache: %w", err)
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if err := m.startTrackers(); err != nil {
		_ = m.Close()
		return nil, err
	}
	select {
	case <-m.up:
		return m, nil
	case <-ctx.Done():
		err := m.trackerError()
		_ = m.Close()
		if err != nil {
			return nil, fmt.Errorf("fleet: open: %w (%w)", ctx.Err(), err)
		}
		return nil, fmt.Errorf("fleet: open: %w", ctx.Err())
	}
}

// trackerError returns the latest error of any tracker.
func (m *Map[K, V]) trackerError() error {
	m.tmu.Lock()
	defer m.tmu.Unlock()
	for _, t := range m.trackers {
		if p := t.lastErr.Load(); p != nil {
			return *p
		}
	}
	return nil
}

// signalUp runs when a tracker confirms; Open waits until all have.
func (m *Map[K, V]) signalUp() {
	if m.leaseOK() {
		m.upOnce.Do(func() { close(m.up) })
	}
}

func (m *Map[K, V]) ioTimeout() time.Duration {
	if m.timeout <= 0 {
		return 10 * time.Second
	}
	return m.timeout
}

func (m *Map[K, V]) closeClient() {
	if m.owned {
		_ = m.client.Close()
	}
}

// Stats returns the Map's counters.
func (m *Map[K, V]) Stats() Stats {
	ns := m.near.store.Stats()
	stale := m.stats.staleRejects.Load()
	bypass := m.stats.leaseBypasses.Load()
	return Stats{
		Fills:          m.stats.fills.Load(),
		FillsDiscarded: m.stats.fillsDiscarded.Load(),
		Invalidations:  m.stats.invalidations.Load(),
		Flushes:        m.stats.flushes.Load(),
		Reconnects:     m.stats.reconnects.Load(),
		Conflicts:      m.stats.conflicts.Load(),
		LeaseBypasses:  bypass,
		NearHits:       ns.Hits - min(stale, ns.Hits),
		NearMisses:     ns.Misses + stale + bypass,
		NearEntries:    ns.Entries,
	}
}

// Close stops the trackers, closes the connections the Map opened and
// empties the near cache. It is idempotent; every call after it fails
// with an error matching [ErrClosed].
func (m *Map[K, V]) Close() error {
	if m.closed.Swap(true) {
		return nil
	}
	m.cancel()
	m.wg.Wait()
	err := m.near.store.Close()
	m.closeClient()
	return err
}

// check makes the checks every call starts with.
func (m *Map[K, V]) check(ctx context.Context) error {
	if m.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// call runs one round trip under the Map's per-call timeout and maps its
// error.
func (m *Map[K, V]) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	cctx, cancel := ctx, context.CancelFunc(nil)
	if m.timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, m.timeout)
	}
	err := fn(cctx)
	if cancel != nil {
		cancel()
	}
	switch {
	case err == nil || errors.Is(err, goredis.Nil):
		return err
	case m.closed.Load() || errors.Is(err, goredis.ErrClosed):
		return fmt.Errorf("fleet: %s: %w (%w)", op, ErrClosed, err)
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("fleet: %s: %w (%w)", op, ctx.Err(), err)
	}
	return fmt.Errorf("fleet: %s: %w", op, err)
}
