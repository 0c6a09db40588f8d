package fleet

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// noConfirm is a tracker's confirmed time while its stream is not known
// to be complete: far enough in the past that adding a Lease to it cannot
// overflow and still gives a time before any clock reading.
const noConfirm = math.MinInt64 / 2

// tracker keeps one tracking connection to one master: it reads the
// invalidations of every key under the Map's prefix and confirms, by a
// ROLE every Lease/4, that what it has read is complete.
type tracker struct {
	addr string // for errors; "FailoverClient" for Sentinel setups
	dial func(ctx context.Context) (net.Conn, error)
	user string
	pass string

	// confirmed is the clock time at which the latest ROLE answered as a
	// master was sent: every write Redis applied before it has had its
	// invalidation read and applied.
	confirmed atomic.Int64
	ctx       context.Context
	cancel    context.CancelFunc
	sessions  int // sessions that reached TRACKING ON; run's goroutine only
	lastErr   atomic.Pointer[error]
}

func newTracker(parent context.Context, addr string, dial func(context.Context) (net.Conn, error), user, pass string) *tracker {
	t := &tracker{addr: addr, dial: dial, user: user, pass: pass}
	t.confirmed.Store(noConfirm)
	t.ctx, t.cancel = context.WithCancel(parent)
	return t
}

// run keeps a session going until t.ctx ends, reconnecting with jittered
// exponential backoff.
func (m *Map[K, V]) runTracker(t *tracker) {
	backoff := 5 * time.Millisecond
	for t.ctx.Err() == nil {
		up, err := m.session(t)
		if t.ctx.Err() != nil {
			return
		}
		if err != nil {
			t.lastErr.Store(&err)
		}
		m.kickMasters()
		if up {
			backoff = 5 * time.Millisecond
		}
		timer := time.NewTimer(jitter(backoff))
		select {
		case <-t.ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		backoff = min(2*backoff, time.Second)
	}
}

// session runs one tracking connection until it fails. It reports whether
// the connection reached TRACKING ON. When it returns, the tracker is
// unconfirmed, and, if the connection had been up, the near cache has
// been flushed: invalidations may have been lost with it.
func (m *Map[K, V]) session(t *tracker) (up bool, err error) {
	if h := m.opts.dialHook; h != nil {
		h()
	}
	conn, err := t.dial(t.ctx)
	if err != nil {
		return false, fmt.Errorf("fleet: tracker %s: dial: %w", t.addr, err)
	}
	stop := context.AfterFunc(t.ctx, func() { _ = conn.Close() })
	defer stop()
	defer conn.Close()

	rr := newRESPReader(conn)
	if err := m.handshake(t, conn, rr); err != nil {
		return false, fmt.Errorf("fleet: tracker %s: %w", t.addr, err)
	}
	// From here every write to the prefix reaches this connection. Fills
	// that started before might have read a value whose invalidation went
	// to no connection: the epoch drops them.
	m.near.epoch.Add(1)
	t.sessions++
	defer func() {
		t.confirmed.Store(noConfirm)
		m.updateLease()
		m.near.flush()
		m.stats.flushes.Add(1)
	}()

	var (
		mu   sync.Mutex
		sent []int64 // send times of unanswered ROLEs, oldest first
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	ping := func() error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, m.now())
		if err := conn.SetWriteDeadline(time.Now().Add(m.ioTimeout())); err != nil {
			return err
		}
		_, err := conn.Write(roleCmd)
		return err
	}
	if err := ping(); err != nil {
		return true, fmt.Errorf("fleet: tracker %s: %w", t.addr, err)
	}
	every := m.opts.pingEvery
	if every == 0 {
		every = max(m.opts.Lease/4, time.Millisecond)
	}
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if ping() != nil {
					_ = conn.Close() // the reader sees the failure
					return
				}
			}
		}
	})
	defer wg.Wait()
	defer close(done)

	confirmedOnce := false
	for {
		// A frame comes at least every period (the ROLE replies): a
		// server silent for longer than that plus the I/O timeout is
		// taken as gone.
		if err := conn.SetReadDeadline(time.Now().Add(m.ioTimeout() + max(every, m.opts.Lease))); err != nil {
			return true, err
		}
		v, err := rr.read()
		if err != nil {
			return true, fmt.Errorf("fleet: tracker %s: %w", t.addr, err)
		}
		kind, names, err := classify(v)
		if err != nil {
			return true, fmt.Errorf("fleet: tracker %s: %w", t.addr, err)
		}
		switch kind {
		case frameInvalidate:
			m.applyInvalidations(names)
		case frameFlush:
			m.near.flush()
			m.stats.flushes.Add(1)
		case frameReply:
			mu.Lock()
			if len(sent) == 0 {
				mu.Unlock()
				return true, fmt.Errorf("fleet: tracker %s: %w", t.addr, badStream("a reply to no command"))
			}
			at := sent[0]
			sent = sent[1:]
			mu.Unlock()
			if err := checkRole(v); err != nil {
				return true, fmt.Errorf("fleet: tracker %s: %w", t.addr, err)
			}
			t.confirmed.Store(at)
			m.updateLease()
			if !confirmedOnce {
				confirmedOnce = true
				if t.sessions > 1 {
					m.stats.reconnects.Add(1)
				}
				m.signalUp()
			}
		}
	}
}

var roleCmd = appendCommand(nil, "ROLE")

// errNotMaster is the error of a tracker whose server answers ROLE as a
// replica: a demoted master no longer sees the writes.
var errNotMaster = errors.New("fleet: tracked server is not a master")

func checkRole(v respValue) error {
	if v.kind == '-' || v.kind == '!' {
		return fmt.Errorf("fleet: ROLE: %s", v.str)
	}
	if v.kind != '*' || len(v.elems) == 0 || !isString(v.elems[0]) {
		return badStream("ROLE reply is not an array")
	}
	if string(v.elems[0].str) != "master" {
		return errNotMaster
	}
	return nil
}

// handshake switches conn to RESP3, authenticates, and turns tracking on
// in broadcast mode for the Map's prefix.
func (m *Map[K, V]) handshake(t *tracker, conn net.Conn, rr *respReader) error {
	if err := conn.SetDeadline(time.Now().Add(m.ioTimeout())); err != nil {
		return err
	}
	hello := []string{"HELLO", "3"}
	if t.pass != "" {
		user := t.user
		if user == "" {
			user = "default"
		}
		hello = append(hello, "AUTH", user, t.pass)
	}
	cmds := appendCommand(nil, hello...)
	cmds = appendCommand(cmds, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", m.prefix)
	if _, err := conn.Write(cmds); err != nil {
		return err
	}
	v, err := rr.read()
	if err != nil {
		return err
	}
	if v.kind == '-' || v.kind == '!' {
		return fmt.Errorf("HELLO 3: %s", redactAuth(v.str))
	}
	if v.kind != '%' {
		return badStream("HELLO reply is not a map")
	}
	v, err = rr.read()
	if err != nil {
		return err
	}
	if v.kind != '+' || string(v.str) != "OK" {
		return fmt.Errorf("CLIENT TRACKING: %s", v.str)
	}
	return conn.SetDeadline(time.Time{})
}

// redactAuth returns an error text from the server; servers never echo a
// password, but the text is cut short all the same.
func redactAuth(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// applyInvalidations drops the entries the Redis keys in names stand for.
func (m *Map[K, V]) applyInvalidations(names [][]byte) {
	for _, n := range names {
		if len(n) <= len(m.prefix) || string(n[:len(m.prefix)]) != m.prefix {
			continue
		}
		rest := string(n[len(m.prefix):])
		if !m.ours(rest) {
			continue
		}
		if h := m.opts.invalidateHook; h != nil && !h(rest) {
			continue
		}
		m.near.invalidate(rest)
		m.stats.invalidations.Add(1)
	}
}

// updateLease sets the lease to the earliest confirmation over the
// trackers plus Lease. It runs under tmu, so two updates never store out
// of order.
func (m *Map[K, V]) updateLease() {
	m.tmu.Lock()
	defer m.tmu.Unlock()
	least := int64(noConfirm)
	for i, t := range m.trackers {
		c := t.confirmed.Load()
		if i == 0 || c < least {
			least = c
		}
	}
	m.lease.Store(least + int64(m.opts.Lease))
}

// leaseOK reports whether near-cache entries may be served now.
func (m *Map[K, V]) leaseOK() bool { return m.now() < m.lease.Load() }
