package livedict

import (
	"fmt"
	"log/slog"
)

// Reason says why an entry left the store.
type Reason uint8

const (
	// ReasonDeleted: Delete removed it.
	ReasonDeleted Reason = iota + 1
	// ReasonExpired: its deadline passed.
	ReasonExpired
	// ReasonEvicted: the Evict policy made room.
	ReasonEvicted
	// ReasonCleared: Clear removed it.
	ReasonCleared
)

// String returns the reason in lower case, for example "expired".
func (r Reason) String() string {
	switch r {
	case ReasonDeleted:
		return "deleted"
	case ReasonExpired:
		return "expired"
	case ReasonEvicted:
		return "evicted"
	case ReasonCleared:
		return "cleared"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Event is what a hook receives. Reason is zero for OnSet and OnAccess.
type Event[K comparable, V any] struct {
	Bucket string // "" for the default bucket
	Key    K
	Value  V
	Reason Reason
}

// hooks holds the store-wide hooks, fixed at New except the OnSet
// listeners, which are a copy-on-write slice.
type hooks[K comparable, V any] struct {
	onAccess func(Event[K, V])
	onExpire func(Event[K, V])
	onEvict  func(Event[K, V])
	onDelete func(Event[K, V])
	onPanic  func(hook string, recovered any)
}

// call runs one hook, recovering a panic and reporting it, so that a
// faulty hook never takes down the reaper or a caller's write.
func (c *core[K, V]) call(name string, fn func(Event[K, V]), ev Event[K, V]) {
	defer func() {
		if r := recover(); r != nil {
			c.hookPanicked(name, r)
		}
	}()
	fn(ev)
}

func (c *core[K, V]) hookPanicked(name string, r any) {
	if c.hooks.onPanic != nil {
		defer func() { _ = recover() }() // the reporter must not kill us either
		c.hooks.onPanic(name, r)
		return
	}
	slog.Error("livedict: hook panicked", "hook", name, "panic", fmt.Sprint(r))
}

func (c *core[K, V]) event(e *entry[K, V], r Reason) Event[K, V] {
	v, _ := c.valueOf(e)
	return Event[K, V]{Bucket: c.bucketName(e.bucket()), Key: e.key, Value: v, Reason: r}
}

// removedOne runs the hooks for an entry that left the store.
func (c *core[K, V]) removedOne(e *entry[K, V], r Reason) {
	var perEntry func(Event[K, V])
	if x := e.extras(); r == ReasonExpired && x != nil {
		perEntry = x.onExpire
	}
	var specific func(Event[K, V])
	var name string
	switch r {
	case ReasonExpired:
		specific, name = c.hooks.onExpire, "OnExpire"
	case ReasonEvicted:
		specific, name = c.hooks.onEvict, "OnEvict"
	}
	if perEntry == nil && specific == nil && c.hooks.onDelete == nil {
		return
	}
	ev := c.event(e, r)
	if perEntry != nil {
		c.call("entry OnExpire", perEntry, ev)
	}
	if specific != nil {
		c.call(name, specific, ev)
	}
	if c.hooks.onDelete != nil {
		c.call("OnDelete", c.hooks.onDelete, ev)
	}
}

// removed runs removedOne for each entry, in order.
func (c *core[K, V]) removed(es []*entry[K, V], r Reason) {
	for _, e := range es {
		c.removedOne(e, r)
	}
}

func (c *core[K, V]) notifySet(e *entry[K, V]) {
	ls := c.listeners.Load()
	if ls == nil || len(*ls) == 0 {
		return
	}
	v, _ := c.valueOf(e)
	ev := Event[K, V]{Bucket: c.bucketName(e.bucket()), Key: e.key, Value: v}
	for _, l := range *ls {
		c.call("OnSet", l.fn, ev)
	}
}

type listener[K comparable, V any] struct {
	fn func(Event[K, V])
}

// AddSetListener adds a listener that runs after every successful write,
// like Options.OnSet, and returns a function that removes it.
func (s *Store[K, V]) AddSetListener(fn func(Event[K, V])) (remove func()) {
	c := s.c
	l := &listener[K, V]{fn: fn}
	c.listenerMu.Lock()
	defer c.listenerMu.Unlock()
	var next []*listener[K, V]
	if cur := c.listeners.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, l)
	c.listeners.Store(&next)
	return func() {
		c.listenerMu.Lock()
		defer c.listenerMu.Unlock()
		cur := *c.listeners.Load()
		next := make([]*listener[K, V], 0, len(cur))
		for _, x := range cur {
			if x != l {
				next = append(next, x)
			}
		}
		c.listeners.Store(&next)
	}
}
