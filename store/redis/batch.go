package redis

import (
	"context"
	"encoding/binary"
	"fmt"
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

// PutBatch stores rs as Put would, in pipelines (one round trip per
// pipeline, one after the other; in a cluster go-redis splits each pipeline
// by node). It is not atomic: after an error any subset of rs may be
// stored. The commands' arguments live in memory PutBatch reuses once it
// returns: a hook of a client given in Options.Client must not keep them.
func (s *Store) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	for _, r := range rs {
		if err := s.checkSize(r); err != nil {
			return fmt.Errorf("store/redis: put batch: %w", err)
		}
	}
	for len(rs) > 0 {
		n, size := 0, 0
		for n < len(rs) && n < maxPipelineRecords && (n == 0 || size < maxPipelineBytes) {
			size += len(rs[n].Key) + len(rs[n].Value)
			n++
		}
		chunk := rs[:n]
		rs = rs[n:]
		err := s.call(ctx, "put batch", func(ctx context.Context) error {
			p := getPipe()
			defer p.release()
			p.build(ctx, s.names, time.Now(), chunk)
			pl := s.client.Pipeline()
			_ = pl.BatchProcess(ctx, p.cmds...)
			_, err := pl.Exec(ctx)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// pipe is the memory one pipeline of SETs is built in, pooled: the names
// and stored values of all its records back to back in buf, with the
// command arguments pointing into it, so that a record costs go-redis's
// command object and its reply, and no memory of ours. The argument strings alias buf (go-redis
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

// build fills p with the commands Put would send for rs: SET name value
// [PXAT ms] each, or DEL name for a record that has already expired at
// now.
func (p *pipe) build(ctx context.Context, names namer, now time.Time, rs []store.Record) {
	n := len(rs)
	size := 0
	for i := range rs {
		r := &rs[i]
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
	for i := range rs {
		r := &rs[i]
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
