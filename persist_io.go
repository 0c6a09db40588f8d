package livedict

import (
	"context"
	"errors"

	"github.com/livedict/livedict/internal/arena"
	"github.com/livedict/livedict/internal/writeback"
	"github.com/livedict/livedict/store"
)

// sink is the persister seen by the engine: it encodes a drained batch and
// writes it to the pipeline. Encoding happens here, at drain time, and not
// on the write path.
type sink[K comparable, V any] persister[K, V]

func (s *sink[K, V]) BucketName(id uint32) string { return s.c.bucketName(id) }

// Clear removes every record of the bucket from the backend, resident in
// memory or not. It runs at the bottom of the pipeline (store.ClearBucket),
// where Scan yields storage names and Delete takes them, so a record the
// layers above could not decode goes too.
func (s *sink[K, V]) Clear(ctx context.Context, bucket uint32) error {
	name := s.c.bucketName(bucket)
	if err := store.ClearBucket(ctx, s.pipe, name); err != nil {
		return &PersistError{Op: "clear", Bucket: name, Err: err}
	}
	return nil
}

// Write encodes ops and writes them: deletes one by one, puts in one
// store.PutBatch. A value that does not encode (or a sealed value that
// does not open) fails permanently: retrying cannot help.
func (s *sink[K, V]) Write(ctx context.Context, ops []*writeback.Op[K, opVal[K, V]], errs []error) {
	p := (*persister[K, V])(s)
	// Drains are serialised, so one scratch serves them all. The keys
	// and values are encoded into an arena (package internal/arena),
	// since the pipeline copies what it keeps; the values are plaintext,
	// so the arena is wiped after.
	sc := &p.scratch
	sc.mem = arena.Get()
	defer sc.reset()
	recs, putOps := sc.recs[:0], sc.putOps[:0]
	for i, op := range ops {
		bucket := p.c.bucketName(op.Key.Bucket)
		room := sc.mem.Room(keyRoom)
		kb, err := p.cfg.KeyCodec.EncodeKey(room, op.Key.Key)
		kb = sc.mem.Keep(room, kb)
		if err != nil {
			errs[i] = writeback.Permanent(&PersistError{Op: "encode", Bucket: bucket, Err: err})
			continue
		}
		if op.Del {
			if err := p.pipe.Delete(ctx, bucket, kb); err != nil {
				errs[i] = &PersistError{Op: "delete", Bucket: bucket, Err: err}
			}
			continue
		}
		e := op.Val
		val, ok := p.c.valueOf(e)
		if !ok {
			errs[i] = writeback.Permanent(&PersistError{Op: "open sealed value", Bucket: bucket, Err: errors.New("sealed value does not open")})
			continue
		}
		room = sc.mem.Room(valueRoom)
		vb, err := p.cfg.Codec.Encode(room, val)
		vb = sc.mem.Keep(room, vb)
		if err != nil {
			errs[i] = writeback.Permanent(&PersistError{Op: "encode", Bucket: bucket, Err: err})
			continue
		}
		r := store.Record{Bucket: bucket, Key: kb, Value: vb}
		if d := e.Deadline(); d != 0 {
			r.ExpireAt = p.c.clock.wall(d)
		}
		recs = append(recs, r)
		putOps = append(putOps, i)
	}
	sc.recs, sc.putOps = recs, putOps
	if len(recs) == 0 {
		return
	}
	if err := store.PutBatch(ctx, p.pipe, recs); err != nil {
		for k, i := range putOps {
			errs[i] = &PersistError{Op: "put", Bucket: recs[k].Bucket, Err: err}
		}
	}
}

// writeScratch is the memory sink.Write works in, kept between drains.
type writeScratch struct {
	recs   []store.Record
	putOps []int
	mem    *arena.Arena // during a Write
}

// The room asked of the arena for a key and for a value: enough for most,
// and one that needs more gets memory of its own.
const (
	keyRoom   = 64
	valueRoom = 4 << 10
)

// maxScratchRecords bounds the record slices kept between drains.
const maxScratchRecords = 1 << 16

// reset wipes what the scratch held (the values are plaintext) and lets
// go of record slices beyond its bound.
func (sc *writeScratch) reset() {
	sc.mem.Free(true)
	sc.mem = nil
	clear(sc.recs)
	sc.recs, sc.putOps = sc.recs[:0], sc.putOps[:0]
	if cap(sc.recs) > maxScratchRecords {
		sc.recs, sc.putOps = nil, nil
	}
}
