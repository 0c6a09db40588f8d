package main

import (
	"context"
	"iter"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// putCounter is a layer that calls onPut after every record a Put or
// PutBatch has stored. Placed right below encryption, it sees each
// record Store.Rotate reseals, which is how rotate-key shows progress.
// It passes every capability of the stage below on, so that it changes
// nothing else.
type putCounter struct {
	onPut func(n int)
}

func (c *putCounter) layer() layer.Layer {
	return func(next store.Stage) store.Stage { return &countingStage{next: next, c: c} }
}

type countingStage struct {
	next store.Stage
	c    *putCounter
}

var (
	_ store.BatchPutter = (*countingStage)(nil)
	_ store.Flusher     = (*countingStage)(nil)
	_ store.Pinger      = (*countingStage)(nil)
	_ store.NativeTTL   = (*countingStage)(nil)
)

func (s *countingStage) Put(ctx context.Context, r store.Record) error {
	if err := s.next.Put(ctx, r); err != nil {
		return err
	}
	s.c.onPut(1)
	return nil
}

func (s *countingStage) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := store.PutBatch(ctx, s.next, rs); err != nil {
		return err
	}
	s.c.onPut(len(rs))
	return nil
}

func (s *countingStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	return s.next.Get(ctx, bucket, key)
}

func (s *countingStage) Delete(ctx context.Context, bucket string, key []byte) error {
	return s.next.Delete(ctx, bucket, key)
}

func (s *countingStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return s.next.Scan(ctx, bucket)
}

func (s *countingStage) Close() error { return s.next.Close() }

func (s *countingStage) Flush(ctx context.Context) error {
	if f, ok := s.next.(store.Flusher); ok {
		return f.Flush(ctx)
	}
	return ctx.Err()
}

func (s *countingStage) Ping(ctx context.Context) error {
	if p, ok := s.next.(store.Pinger); ok {
		return p.Ping(ctx)
	}
	return ctx.Err()
}

func (s *countingStage) NativeTTL() bool {
	n, ok := s.next.(store.NativeTTL)
	return ok && n.NativeTTL()
}
