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
	if err := guard("the backend", func() error { return store.ClearBucket(ctx, s.pipe, name) }); err != nil {
		return &PersistError{Op: "clear", Bucket: name, Err: err}
	}
	return nil
}

// minEncodePart is the fewest ops worth a goroutine of their own: the
// root's encoding is cheaper per record than the layers' compression and
// sealing (layer's minPart).
const minEncodePart = 128

// Write encodes ops and writes them, in chunks (persist_chunks.go): in
// each, deletes one by one and puts in one store.PutBatch. A value that
// does not encode (or a sealed value that does not open) fails
// permanently: retrying cannot help.
func (s *sink[K, V]) Write(ctx context.Context, ops []*writeback.Op[K, opVal[K, V]], errs []error) {
	(*persister[K, V])(s).writeChunks(ctx, ops, errs)
}

// writeChunk writes one chunk of a drain's ops with the scratch sc, which
// no other chunk in progress uses.
//
// A large chunk is encoded in parts on goroutines of their own, one per
// CPU at most (internal/arena.Parts), as the layers then compress and seal
// it: the ops hold one op per key, so their order does not matter, and the
// backend still sees one batch. The keys and values are encoded into
// arenas (package internal/arena), since the pipeline copies what it
// keeps; the values are plaintext, so the arenas are wiped after.
func (p *persister[K, V]) writeChunk(ctx context.Context, sc *writeScratch, ops []*writeback.Op[K, opVal[K, V]], errs []error) {
	n := len(ops)
	sc.size(n)
	defer sc.reset()
	parts := arena.PartsFor(n, minEncodePart)
	if cap(sc.counts) < parts {
		sc.counts = make([]int, parts)
	}
	counts := sc.counts[:parts]
	if parts == 1 {
		// Called directly: the closure below escapes, and a write-through
		// write drains a batch of one.
		a := arena.Get()
		sc.mem = append(sc.mem[:0], a)
		counts[0] = p.encodeRange(a, ops, errs, sc.recs, sc.putOps, sc.dels, 0)
	} else {
		sc.mem = arena.Parts(sc.mem, n, parts, func(a *arena.Arena, part, lo, hi int) {
			counts[part] = p.encodeRange(a, ops[lo:hi], errs[lo:hi], sc.recs[lo:hi], sc.putOps[lo:hi], sc.dels[lo:hi], lo)
		})
	}
	// Each part left its records at the start of its range: close the
	// gaps, keeping the order of the ops.
	recs, putOps := sc.recs[:0], sc.putOps[:0]
	for i, c := range counts {
		lo := i * n / parts
		recs = append(recs, sc.recs[lo:lo+c]...)
		putOps = append(putOps, sc.putOps[lo:lo+c]...)
	}
	for i, kb := range sc.dels {
		if kb == nil {
			continue
		}
		bucket := p.c.bucketName(ops[i].Key.Bucket)
		if err := guard("the pipeline", func() error { return p.pipe.Delete(ctx, bucket, kb) }); err != nil {
			errs[i] = &PersistError{Op: "delete", Bucket: bucket, Err: err}
		}
	}
	if len(recs) == 0 {
		return
	}
	if err := guard("the pipeline", func() error { return store.PutBatch(ctx, p.pipe, recs) }); err != nil {
		for k, i := range putOps {
			errs[i] = &PersistError{Op: "put", Bucket: recs[k].Bucket, Err: err}
		}
	}
}

// encodeRange encodes ops (the batch's ops from index base) into a: the
// records of the puts at the start of recs, with their ops' batch indices
// in putOps, and the keys of the deletes in dels, at their ops' places.
// It sets errs for the ops that do not encode and returns how many
// records it made. It runs on a goroutine of its own for a part of a large
// batch, touching only its own ranges of the scratch.
func (p *persister[K, V]) encodeRange(a *arena.Arena, ops []*writeback.Op[K, opVal[K, V]], errs []error, recs []store.Record, putOps []int, dels [][]byte, base int) int {
	k := 0
	for i, op := range ops {
		bucket := p.c.bucketName(op.Key.Bucket)
		room := a.Room(keyRoom)
		var kb []byte
		err := guard("the key codec", func() (err error) {
			kb, err = p.cfg.KeyCodec.EncodeKey(room, op.Key.Key)
			return err
		})
		kb = a.Keep(room, kb)
		if err != nil {
			errs[i] = writeback.Permanent(&PersistError{Op: "encode", Bucket: bucket, Err: err})
			continue
		}
		if op.Del {
			if kb == nil {
				kb = []byte{}
			}
			dels[i] = kb
			continue
		}
		e := op.Val
		val, ok := p.c.valueOf(e)
		if !ok {
			errs[i] = writeback.Permanent(&PersistError{Op: "open sealed value", Bucket: bucket, Err: errors.New("sealed value does not open")})
			continue
		}
		room = a.Room(valueRoom)
		var vb []byte
		err = guard("the codec", func() (err error) {
			vb, err = p.cfg.Codec.Encode(room, val)
			return err
		})
		vb = a.Keep(room, vb)
		if err != nil {
			errs[i] = writeback.Permanent(&PersistError{Op: "encode", Bucket: bucket, Err: err})
			continue
		}
		r := store.Record{Bucket: bucket, Key: kb, Value: vb}
		if d := e.Deadline(); d != 0 {
			r.ExpireAt = p.c.clock.wall(d)
		}
		recs[k], putOps[k] = r, base+i
		k++
	}
	return k
}

// writeScratch is the memory sink.Write works in, kept between drains.
type writeScratch struct {
	recs   []store.Record
	putOps []int
	dels   [][]byte
	counts []int
	mem    []*arena.Arena // during a Write
}

// size makes the record, index and delete slices n long, dels all nil.
func (sc *writeScratch) size(n int) {
	if cap(sc.recs) < n {
		sc.recs = make([]store.Record, n)
		sc.putOps = make([]int, n)
		sc.dels = make([][]byte, n)
	}
	sc.recs, sc.putOps, sc.dels = sc.recs[:n], sc.putOps[:n], sc.dels[:n]
}

// The room asked of the arena for a key and for a value: enough for most,
// and one that needs more gets memory of its own.
const (
	keyRoom   = 64
	valueRoom = 4 << 10
)

// reset wipes what the scratch held (the values are plaintext). Its
// record slices are kept: a chunk has at most chunkOps records.
func (sc *writeScratch) reset() {
	for _, a := range sc.mem {
		a.Free(true)
	}
	clear(sc.mem)
	sc.mem = sc.mem[:0]
	clear(sc.recs)
	clear(sc.dels)
}
