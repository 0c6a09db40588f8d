package redis

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
	"unsafe"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
)

// Batches of PutBatch are split into pipelines of at most these many records
// or bytes, each a round trip of its own under Timeout.
const (
	maxPipelineRecords = 1024
	maxPipelineBytes   = 4 << 20
)

// A batch of at least 2*minPartRecords records is cut into up to maxParts
// parts, each sent by a goroutine of its own over its own connection, so
// that this process encodes one part while the server works through
// another and the network carries a third, instead of each side waiting
// for the other's whole pipeline. Below that size a second round trip
// costs more than the overlap saves.
const (
	minPartRecords = 128
	maxParts       = 4
)

// PutBatch stores rs as Put would, in pipelines (one round trip per
// pipeline; in a cluster go-redis splits each pipeline by node). A batch of
// 256 records or more is cut by key into up to 4 parts, written at the same
// time over separate connections by goroutines that end before PutBatch
// returns; the records of one key stay in one part, in their order, so the
// last record of a key in rs is the one stored. It is not atomic: after an
// error any subset of rs may be stored.
func (s *Store) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	for _, r := range rs {
		if err := s.checkSize(r); err != nil {
			return fmt.Errorf("store/redis: put batch: %w", err)
		}
	}
	parts := min(len(rs)/minPartRecords, maxParts)
	if parts <= 1 {
		return s.putPart(ctx, rs, nil)
	}
	order := partition(s.seed, rs, parts)
	defer order.release()
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for j := 1; j < parts; j++ {
		wg.Go(func() { errs[j] = s.putPart(ctx, rs, order.part(j)) })
	}
	errs[0] = s.putPart(ctx, rs, order.part(0))
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// putPart stores the records of rs at the positions idx, in order, or all
// of rs when idx is nil, in pipelines one after the other. It stops at the
// first pipeline that fails.
func (s *Store) putPart(ctx context.Context, rs []store.Record, idx []int32) error {
	n := len(rs)
	if idx != nil {
		n = len(idx)
	}
	at := func(i int) *store.Record {
		if idx != nil {
			return &rs[idx[i]]
		}
		return &rs[i]
	}
	for start := 0; start < n; {
		end, size := start, 0
		for end < n && end-start < maxPipelineRecords && (end == start || size < maxPipelineBytes) {
			r := at(end)
			size += len(r.Key) + len(r.Value)
			end++
		}
		err := s.call(ctx, "put batch", func(ctx context.Context) error {
			p := getPipe()
			defer p.release()
			p.build(ctx, s.names, time.Now(), end-start, func(i int) *store.Record { return at(start + i) })
			pl := s.client.Pipeline()
			_ = pl.BatchProcess(ctx, p.cmds...)
			_, err := pl.Exec(ctx)
			return err
		})
		if err != nil {
			return err
		}
		start = end
	}
	return nil
}

// pipe is the memory one pipeline of SETs is built in, pooled: the names
// and stored values of all its records back to back in buf, with the
// command arguments pointing into it, so that a record costs go-redis's
// command object and nothing else. The argument strings alias buf (go-redis
// reads them as strings: a key's hash slot, in a cluster, is computed from
// it); buf is not written again until the pipeline has been answered and
// release is called, and go-redis keeps no use of a command's arguments
// after Exec returns.
type pipe struct {
	buf  []byte
	strs []string // name and stored value of each record
	ms   []int64  // PXAT of each record
	args []any    // argsPerRecord per record
	cmds []goredis.Cmder
}

// argsPerRecord is the most arguments one record's command takes:
// SET name value PXAT ms.
const argsPerRecord = 5

var pipePool = sync.Pool{New: func() any { return new(pipe) }}

func getPipe() *pipe { return pipePool.Get().(*pipe) }

// release drops the commands (they hold the caller's context) and returns
// p to the pool, unless its buffer grew past what one pipeline usually
// needs.
func (p *pipe) release() {
	clear(p.cmds)
	clear(p.args)
	clear(p.strs)
	if cap(p.buf) > maxPipelineBytes+maxPooledBuffer {
		return
	}
	p.buf, p.strs, p.ms, p.args, p.cmds = p.buf[:0], p.strs[:0], p.ms[:0], p.args[:0], p.cmds[:0]
	pipePool.Put(p)
}

// build fills p with the commands Put would send for the n records at(0)
// ... at(n-1): SET name value [PXAT ms], or DEL name for a record that has
// already expired at now.
func (p *pipe) build(ctx context.Context, names namer, now time.Time, n int, at func(int) *store.Record) {
	size := 0
	for i := range n {
		r := at(i)
		size += names.nameLen(r.Bucket, r.Key) + headerLen + len(r.Value)
	}
	// buf must not move once strings alias it.
	if cap(p.buf) < size {
		p.buf = make([]byte, 0, size)
	}
	p.strs = grow(p.strs, 2*n)
	p.ms = grow(p.ms, n)
	p.args = grow(p.args, argsPerRecord*n)
	p.cmds = p.cmds[:0]
	b := p.buf[:0]
	for i := range n {
		r := at(i)
		off := len(b)
		b = names.appendName(b, r.Bucket, r.Key)
		name := &p.strs[2*i]
		*name = unsafe.String(unsafe.SliceData(b[off:]), len(b)-off)
		args := p.args[argsPerRecord*i : argsPerRecord*i : argsPerRecord*(i+1)]
		ms := expireMillis(r.ExpireAt)
		if !r.ExpireAt.IsZero() && !time.UnixMilli(ms).After(now) {
			p.cmds = append(p.cmds, goredis.NewIntCmd(ctx, append(args, "del", name)...))
			continue
		}
		off = len(b)
		b = append(b, valueVersion)
		b = binary.BigEndian.AppendUint64(b, uint64(ms))
		b = append(b, r.Value...)
		value := &p.strs[2*i+1]
		*value = unsafe.String(unsafe.SliceData(b[off:]), len(b)-off)
		args = append(args, "set", name, value)
		if ms != 0 {
			p.ms[i] = ms
			args = append(args, "pxat", &p.ms[i])
		}
		p.cmds = append(p.cmds, goredis.NewStatusCmd(ctx, args...))
	}
	p.buf = b
}

// grow returns s with length n, reusing its memory when it has room.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// partOrder lists the positions of a batch's records part by part: part j
// is idx[start[j]:start[j+1]].
type partOrder struct {
	idx   []int32
	which []uint8 // scratch: the part of each record
	start [maxParts + 1]int
}

func (o *partOrder) part(j int) []int32 { return o.idx[o.start[j]:o.start[j+1]] }

var partOrderPool = sync.Pool{New: func() any { return new(partOrder) }}

// maxPooledOrder keeps the index of huge batches out of the pool.
const maxPooledOrder = 1 << 16

func (o *partOrder) release() {
	if cap(o.idx) > maxPooledOrder {
		return
	}
	partOrderPool.Put(o)
}

// partition assigns each record of rs to one of parts parts by a hash of
// its bucket and key, so that the records of one key share a part, and
// returns their positions grouped by part, each part in the order of rs.
func partition(seed maphash.Seed, rs []store.Record, parts int) *partOrder {
	o := partOrderPool.Get().(*partOrder)
	o.idx, o.which = grow(o.idx, len(rs)), grow(o.which, len(rs))
	which := o.which
	var count [maxParts]int
	for i := range rs {
		h := maphash.String(seed, rs[i].Bucket) ^ maphash.Bytes(seed, rs[i].Key)
		j := uint8(h % uint64(parts))
		which[i] = j
		count[j]++
	}
	o.start = [maxParts + 1]int{}
	for j := range parts {
		o.start[j+1] = o.start[j] + count[j]
	}
	next := o.start // where each part's next position goes
	for i, j := range which {
		o.idx[next[j]] = int32(i)
		next[j]++
	}
	return o
}
