package store

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/livedict/livedict/internal/arena"
)

// MemoryData is the storage behind one or more [Memory] stages. It stands in
// for a file or a database: closing a Memory leaves its MemoryData intact, and
// a new Memory over the same MemoryData sees everything written before, which
// is how tests simulate a reopen. The zero MemoryData is empty and ready to
// use; it is safe for concurrent use.
type MemoryData struct {
	mu sync.RWMutex
	// buckets maps bucket → key → record. Each stored record's Key and
	// Value lie in one allocation (see packed), and the inner map's key is
	// a string over that Key's bytes (see mapKey), so a Put allocates once.
	// Stored slices are never modified, which is what makes that string
	// sound; an overwrite replaces the map's key string as well as the
	// record (Go's map assignment stores the new key on a match), so the
	// old allocation is not kept alive.
	buckets map[string]map[string]Record
}

// Memory is a [Stage] that keeps records in memory. It also implements
// [BatchPutter] and [Pinger], and is safe for concurrent use. Expired records
// are never returned and are dropped when a Get or Scan comes across them.
// Create one with [NewMemory] or [NewMemoryShared]; the zero Memory is not
// usable.
type Memory struct {
	data   *MemoryData
	closed atomic.Bool
}

// Interfaces Memory promises to implement.
var (
	_ Stage       = (*Memory)(nil)
	_ BatchPutter = (*Memory)(nil)
	_ Pinger      = (*Memory)(nil)
)

// NewMemory returns an open, empty Memory with storage of its own.
func NewMemory() *Memory {
	return NewMemoryShared(new(MemoryData))
}

// NewMemoryShared returns an open Memory over data, which other Memory
// values, open or closed, may share. It panics if data is nil.
func NewMemoryShared(data *MemoryData) *Memory {
	if data == nil {
		panic("store: NewMemoryShared with nil data")
	}
	return &Memory{data: data}
}

func (m *Memory) check(ctx context.Context) error {
	if m.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// packed returns a copy of r whose Key and Value share one new allocation,
// Key first, with Key's capacity cut at its length so that appending to Key
// cannot write over Value. A nil Key or Value stays nil.
func packed(r Record) Record {
	n := len(r.Key)
	buf := make([]byte, n+len(r.Value))
	copy(buf, r.Key)
	copy(buf[n:], r.Value)
	if r.Key != nil {
		r.Key = buf[:n:n]
	}
	if r.Value != nil {
		r.Value = buf[n:]
	}
	return r
}

// mapKey returns a string over key's bytes without copying them. It is
// only for keys of stored records, whose bytes are never modified.
func mapKey(key []byte) string {
	return unsafe.String(unsafe.SliceData(key), len(key))
}

// Put stores a copy of r.
func (m *Memory) Put(ctx context.Context, r Record) error {
	if err := m.check(ctx); err != nil {
		return err
	}
	r = packed(r)
	d := m.data
	d.mu.Lock()
	defer d.mu.Unlock()
	d.put(r)
	return nil
}

// PutBatch stores a copy of each record of rs, all under one lock.
func (m *Memory) PutBatch(ctx context.Context, rs []Record) error {
	if err := m.check(ctx); err != nil {
		return err
	}
	csp := packedBatches.Get(len(rs))
	defer packedBatches.Put(csp)
	cs := *csp
	for i, r := range rs {
		cs[i] = packed(r)
	}
	d := m.data
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range cs {
		d.put(r)
	}
	return nil
}

// packedBatches holds PutBatch's copies between batches: the map keeps
// each record by value, so the slice is free once they are in.
var packedBatches arena.Slices[Record]

// put stores r, which must come from packed; d.mu must be held for writing.
func (d *MemoryData) put(r Record) {
	if d.buckets == nil {
		d.buckets = make(map[string]map[string]Record)
	}
	b := d.buckets[r.Bucket]
	if b == nil {
		b = make(map[string]Record)
		d.buckets[r.Bucket] = b
	}
	b[mapKey(r.Key)] = r
}

// Get returns a copy of the record for bucket and key. Its Key and Value
// share one allocation, but appending to the Key does not change the Value.
func (m *Memory) Get(ctx context.Context, bucket string, key []byte) (Record, error) {
	if err := m.check(ctx); err != nil {
		return Record{}, err
	}
	d := m.data
	d.mu.RLock()
	r, ok := d.buckets[bucket][string(key)]
	d.mu.RUnlock()
	if !ok {
		return Record{}, ErrNotFound
	}
	if now := time.Now(); r.Expired(now) {
		d.dropExpired(bucket, []string{string(key)}, now)
		return Record{}, ErrNotFound
	}
	// Stored slices are never modified, so copying them outside the lock is safe.
	return packed(r), nil
}

// dropExpired removes the named records of bucket that are still expired
// at now; another goroutine may have replaced them meanwhile.
func (d *MemoryData) dropExpired(bucket string, keys []string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.buckets[bucket]
	for _, k := range keys {
		if r, ok := b[k]; ok && r.Expired(now) {
			delete(b, k)
		}
	}
	if b != nil && len(b) == 0 {
		delete(d.buckets, bucket)
	}
}

// Delete removes the record for bucket and key, if there is one.
func (m *Memory) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := m.check(ctx); err != nil {
		return err
	}
	d := m.data
	d.mu.Lock()
	defer d.mu.Unlock()
	if b := d.buckets[bucket]; b != nil {
		delete(b, string(key))
		if len(b) == 0 {
			delete(d.buckets, bucket)
		}
	}
	return nil
}

// Scan yields copies of the bucket's unexpired records as they were when
// the iteration began, each laid out as Get's result is. It stops with
// ctx.Err() if ctx is done midway.
func (m *Memory) Scan(ctx context.Context, bucket string) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if err := m.check(ctx); err != nil {
			yield(Record{}, err)
			return
		}
		d := m.data
		now := time.Now()
		var expired []string
		d.mu.RLock()
		b := d.buckets[bucket]
		live := make([]Record, 0, len(b)) // one allocation, not one per doubling
		for k, r := range b {
			if r.Expired(now) {
				expired = append(expired, k)
			} else {
				live = append(live, r)
			}
		}
		d.mu.RUnlock()
		if len(expired) > 0 {
			d.dropExpired(bucket, expired, now)
		}
		// The snapshot is yielded outside the lock, so the loop body may
		// call back into m.
		for _, r := range live {
			if err := ctx.Err(); err != nil {
				yield(Record{}, err)
				return
			}
			if !yield(packed(r), nil) {
				return
			}
		}
	}
}

// Ping reports whether m is open.
func (m *Memory) Ping(ctx context.Context) error {
	return m.check(ctx)
}

// Close marks m closed. Its MemoryData keeps the records.
func (m *Memory) Close() error {
	m.closed.Store(true)
	return nil
}
