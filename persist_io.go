package livedict

import (
	"context"
	"errors"

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
	recs := make([]store.Record, 0, len(ops))
	putOps := make([]int, 0, len(ops))
	for i, op := range ops {
		bucket := p.c.bucketName(op.Key.Bucket)
		kb, err := p.cfg.KeyCodec.EncodeKey(nil, op.Key.Key)
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
		vb, err := p.cfg.Codec.Encode(nil, val)
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
	if len(recs) == 0 {
		return
	}
	if err := store.PutBatch(ctx, p.pipe, recs); err != nil {
		for k, i := range putOps {
			errs[i] = &PersistError{Op: "put", Bucket: recs[k].Bucket, Err: err}
		}
	}
}
