package fleet

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// errRing is the error of Open for a Ring client.
var errRing = errors.New("a Ring has no masters to track; use a standalone, Sentinel or Cluster client")

// jitter returns d scaled by a random factor in [0.5, 1.5).
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d)+1))
}

// startTrackers starts the trackers of a standalone or Sentinel client,
// or the master watcher of a cluster.
func (m *Map[K, V]) startTrackers() error {
	switch c := m.client.(type) {
	case *goredis.Client:
		o := c.Options()
		dial := func(ctx context.Context) (net.Conn, error) { return o.Dialer(ctx, o.Network, o.Addr) }
		m.setMasters([]*tracker{newTracker(m.ctx, o.Addr, dial, o.Username, o.Password)})
	case *goredis.ClusterClient:
		m.wg.Go(func() { m.watchMasters(c) })
	default:
		return fmt.Errorf("%w: %T: %w", ErrInvalidOptions, m.client, errRing)
	}
	return nil
}

// setMasters replaces the trackers with ts (keeping those whose address
// is unchanged) and flushes the near cache if the set changed.
func (m *Map[K, V]) setMasters(ts []*tracker) {
	m.tmu.Lock()
	old := m.trackers
	var keep, start []*tracker
	for _, t := range ts {
		i := slices.IndexFunc(old, func(o *tracker) bool { return o.addr == t.addr })
		if i >= 0 {
			keep = append(keep, old[i])
			t.cancel()
			continue
		}
		start = append(start, t)
	}
	changed := len(start) > 0 || len(keep) != len(old)
	var stop []*tracker
	for _, o := range old {
		if !slices.Contains(keep, o) {
			stop = append(stop, o)
		}
	}
	m.trackers = append(keep, start...)
	for _, t := range start {
		m.wg.Go(func() { m.runTracker(t) })
	}
	m.tmu.Unlock()
	for _, o := range stop {
		o.cancel()
	}
	if changed {
		m.updateLease()
		if len(old) > 0 {
			// Keys of a master that left (or of slots that moved to a
			// new one) may change without an invalidation reaching us.
			m.near.flush()
			m.stats.flushes.Add(1)
		}
	}
}

// kickMasters asks the cluster watcher to read the master set at once.
func (m *Map[K, V]) kickMasters() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// watchMasters reads a cluster's master set every second, and at once
// when a tracker fails, and keeps one tracker per master.
func (m *Map[K, V]) watchMasters(c *goredis.ClusterClient) {
	co := c.Options()
	dialer := co.Dialer
	if dialer == nil {
		dialer = defaultDialer(co.TLSConfig, co.DialTimeout)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if addrs, err := m.clusterMasters(c); err == nil {
			ts := make([]*tracker, 0, len(addrs))
			for _, a := range addrs {
				dial := func(ctx context.Context) (net.Conn, error) { return dialer(ctx, "tcp", a) }
				ts = append(ts, newTracker(m.ctx, a, dial, co.Username, co.Password))
			}
			m.setMasters(ts)
		}
		select {
		case <-m.ctx.Done():
			return
		case <-tick.C:
		case <-m.kick:
		}
	}
}

// clusterMasters returns the sorted addresses of the masters serving
// slots, from CLUSTER SHARDS.
func (m *Map[K, V]) clusterMasters(c *goredis.ClusterClient) ([]string, error) {
	ctx, cancel := context.WithTimeout(m.ctx, m.ioTimeout())
	defer cancel()
	shards, err := c.ClusterShards(ctx).Result()
	if err != nil {
		return nil, err
	}
	useTLS := c.Options().TLSConfig != nil
	var addrs []string
	for _, s := range shards {
		if len(s.Slots) == 0 {
			continue
		}
		for _, n := range s.Nodes {
			if n.Role != "master" {
				continue
			}
			host := cmp.Or(n.Endpoint, n.IP)
			port := n.Port
			if useTLS && n.TLSPort != 0 {
				port = n.TLSPort
			}
			a := net.JoinHostPort(host, strconv.FormatInt(port, 10))
			if !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		return nil, errors.New("fleet: cluster serves no slots")
	}
	slices.Sort(addrs)
	return addrs, nil
}

// defaultDialer is what go-redis dials with when no Dialer is set.
func defaultDialer(cfg *tls.Config, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	nd := &net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
	if cfg == nil {
		return nd.DialContext
	}
	td := &tls.Dialer{NetDialer: nd, Config: cfg}
	return td.DialContext
}
