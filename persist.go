package livedict

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/livedict/livedict/internal/writeback"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// How persistence works: Store → engine → pipeline → backend.
//
//  1. The Store (write.go) applies a write in memory and, under the lock
//     of the key's shard, appends an op (the entry it published, or a
//     tombstone) to the engine: internal/writeback, whose stripes are the
//     shards, so each stripe's log is in memory order.
//  2. The engine bounds, coalesces and drains the ops (its package doc
//     names a file per concern) and hands each batch to the persister's
//     sink (persist_io.go), which encodes the values — at drain time, so
//     the codec, compression and encryption stay off the Set path — and
//     writes them to the pipeline.
//  3. The pipeline, built once here: compression → encryption →
//     Persist.Layers → Persist.Backend.

// pmode is a bucket's resolved persistence, kept in bucketState.pmode.
const (
	pmNone uint32 = iota
	pmBehind
	pmThrough
)

func modeOf(p Persistence) uint32 {
	switch p {
	case WriteBehind:
		return pmBehind
	case WriteThrough:
		return pmThrough
	}
	return pmNone
}

// opVal is what an op holds: the entry written (its value and deadline are
// read at drain time), nil for a delete.
type opVal[K comparable, V any] = *entry[K, V]

type persister[K comparable, V any] struct {
	c    *core[K, V]
	cfg  Persist[K, V]
	pipe store.Stage
	enc  *layer.EncryptStage // nil with Plaintext
	eng  *writeback.Engine[K, opVal[K, V]]

	// scratch is sink.Write's memory, one for each chunk written at a
	// time (persist_chunks.go); drains are serialised.
	scratch [chunkWorkers]writeScratch

	// errs counts the failures met outside the engine's drains (records
	// that do not decode, sealed values that do not open), each reported
	// to OnError once.
	errs atomic.Int64
}

func newPersister[K comparable, V any](c *core[K, V], cfg Persist[K, V], shards int) (*persister[K, V], error) {
	// Compose Persist.Layers as layer.Chain does (the first outermost),
	// checking each stage as it is built.
	pipe := cfg.Backend
	for i := len(cfg.Layers) - 1; i >= 0; i-- {
		pipe = cfg.Layers[i](pipe)
		if q, ok := pipe.(store.Queue); ok && q.Queues() {
			_ = guard("Close", pipe.Close) // the Store owns the backend: a failed New closes it
			return nil, optionErr("Options.Persist.Layers["+strconv.Itoa(i)+"]",
				"is a queueing layer (store.Queue): the Store is the write-back queue itself; choose Persist.Mode and Persist.QueueSize instead")
		}
	}
	var enc *layer.EncryptStage
	if !cfg.Plaintext {
		var err error
		enc, err = layer.NewEncryptStage(pipe, layer.EncryptOptions{Keyring: cfg.Keyring, NameKey: cfg.NameKey, Store: cfg.Name})
		if err != nil {
			_ = guard("Close", pipe.Close)
			return nil, &OptionError{Field: "Options.Persist.Keyring", Reason: err.Error(), Err: err}
		}
		pipe = enc
	}
	if cfg.Compress != nil {
		pipe = layer.Chain(pipe, layer.Compress(*cfg.Compress))
	}
	p := &persister[K, V]{c: c, cfg: cfg, pipe: pipe, enc: enc}
	full := writeback.Wait
	switch cfg.WhenFull {
	case Drop:
		full = writeback.Drop
	case Fail:
		full = writeback.Refuse
	}
	retries := cfg.Retries
	if retries == NoRetry {
		retries = 0
	}
	p.eng = writeback.New[K, opVal[K, V]](writeback.Config{
		Stripes:       shards,
		Limit:         cfg.QueueSize,
		Full:          full,
		BlockTimeout:  cfg.BlockTimeout,
		Retries:       retries,
		FlushInterval: cfg.FlushInterval,
		RetryBackoff:  cfg.RetryBackoff,
		Timeout:       cfg.Timeout,
		Report:        p.reportBatch,
	}, (*sink[K, V])(p))
	return p, nil
}

// flush drains until nothing acknowledged before the call is left, then
// flushes the pipeline if it buffers writes itself.
func (p *persister[K, V]) flush(ctx context.Context) error {
	if err := p.eng.Flush(ctx); err != nil {
		return err
	}
	if f, ok := store.As[store.Flusher](p.pipe); ok {
		return guard("the pipeline's Flush", func() error { return f.Flush(ctx) })
	}
	return nil
}

// close stops the flusher, flushes what is left and closes the pipeline.
func (p *persister[K, V]) close() error {
	p.eng.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.Timeout)
	defer cancel()
	err := p.flush(ctx)
	if cerr := guard("the pipeline's Close", p.pipe.Close); err == nil {
		err = cerr
	}
	return err
}

// reportBatch is the engine's report of a failed drain: OnError gets one
// call per failed drain, whose Count is the number of failed attempts in
// it, so that the Counts add up to Stats.PersistErrors.
func (p *persister[K, V]) reportBatch(failed int, first error) {
	var pe *PersistError
	if !errors.As(first, &pe) {
		pe = &PersistError{Op: "flush", Err: first}
	}
	cp := *pe
	cp.Count = failed
	p.deliver(&cp)
}

// report hands one failure met outside a drain to OnError and counts it.
func (p *persister[K, V]) report(err error) {
	p.errs.Add(1)
	var pe *PersistError
	if errors.As(err, &pe) && pe.Count == 0 {
		cp := *pe
		cp.Count = 1
		err = &cp
	}
	p.deliver(err)
}

func (p *persister[K, V]) deliver(err error) {
	if p.cfg.OnError == nil {
		slog.Warn("livedict: persistence failed", "err", err)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			p.c.hookPanicked("OnError", r)
		}
	}()
	p.cfg.OnError(err)
}
