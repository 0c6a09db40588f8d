package livedict

// lookup finds the live entry for (b, key) without taking a lock; it
// returns nil when there is none or it has expired.
func (c *core[K, V]) lookup(b *bucketState, key K) *entry[K, V] {
	h := c.hash(key) ^ b.salt
	e := c.shardOf(h).table.Load().find(h, b.id, key)
	if e == nil {
		return nil
	}
	if d := e.Deadline(); d != 0 && c.expired(d) {
		return nil
	}
	return e
}

// get is Get and GetWithToken: no lock, no allocation. A guarded entry is
// a miss unless the token matches.
func (c *core[K, V]) get(b *bucketState, key K, token string) (v V, ok bool) {
	e := c.lookup(b, key)
	if e == nil || c.closed.Load() {
		if c.readStats {
			c.reads.cell().misses.Add(1)
		}
		return v, false
	}
	if x := e.extras(); x != nil {
		if x.token != "" && !tokenMatches(x.token, token) {
			cell := c.reads.cell()
			cell.tokenMisses.Add(1)
			if c.readStats {
				cell.misses.Add(1)
			}
			return v, false
		}
		if x.onAccess != nil {
			c.call("entry OnAccess", x.onAccess, c.event(e, 0))
		}
		if x.sealed != nil {
			if v, ok = c.valueOf(e); !ok {
				return v, false
			}
			c.hit(e)
			return v, true
		}
	}
	c.hit(e)
	return e.value, true
}

// hit records a read of a live entry: the counter, the eviction bit, and
// the store's OnAccess hook.
func (c *core[K, V]) hit(e *entry[K, V]) {
	if c.readStats {
		c.reads.cell().hits.Add(1)
	}
	if c.evict {
		touch(e)
	}
	if c.hooks.onAccess != nil {
		c.call("OnAccess", c.hooks.onAccess, c.event(e, 0))
	}
}
