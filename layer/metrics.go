package layer

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/store"
)

// Counters counts the calls that reach a [Metrics] layer, per operation. Its
// zero value is ready to use, and it is safe for concurrent use: several
// stages, even several pipelines, may count into one Counters. Read it with
// [Counters.Snapshot].
type Counters struct {
	put, putBatch, get, delete, scan, flush, ping opCounters
}

// opCounters holds one operation's counters, alone on its cache lines so
// that operations do not slow each other down.
type opCounters struct {
	calls, errors, notFound, records, bytesIn, bytesOut, nanos atomic.Uint64
	_                                                          [64 - 7*8]byte
}

// add counts one call that took d and ended with err.
func (c *opCounters) add(d time.Duration, err error, records, in, out int) {
	c.calls.Add(1)
	c.nanos.Add(uint64(max(d, 0)))
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		c.notFound.Add(1)
	default:
		c.errors.Add(1)
	}
	if records > 0 {
		c.records.Add(uint64(records))
	}
	if in > 0 {
		c.bytesIn.Add(uint64(in))
	}
	if out > 0 {
		c.bytesOut.Add(uint64(out))
	}
}

func (c *opCounters) snapshot() OpMetrics {
	return OpMetrics{
		Calls:    c.calls.Load(),
		Errors:   c.errors.Load(),
		NotFound: c.notFound.Load(),
		Records:  c.records.Load(),
		BytesIn:  c.bytesIn.Load(),
		BytesOut: c.bytesOut.Load(),
		Latency:  time.Duration(c.nanos.Load()),
	}
}

// OpMetrics is what a [Counters] has counted for one operation.
type OpMetrics struct {
	// Calls counts the calls, failed ones included. A Scan counts once,
	// when its iteration ends.
	Calls uint64
	// Errors counts the calls that failed, not counting a Get that found
	// nothing.
	Errors uint64
	// NotFound counts the Gets that found nothing (an error matching
	// store.ErrNotFound).
	NotFound uint64
	// Records counts the records stored (Put, PutBatch), found (Get) or
	// yielded (Scan) by calls that did not fail.
	Records uint64
	// BytesIn counts the bytes of keys and values handed to the stage by
	// Put and PutBatch, failed calls included.
	BytesIn uint64
	// BytesOut counts the bytes of keys and values the stage returned
	// from Get and Scan.
	BytesOut uint64
	// Latency is the sum of the calls' durations. For Scan it counts the
	// time spent in the stages below, not the caller's loop body.
	Latency time.Duration
}

// MeanLatency returns Latency divided by Calls, or 0 when there were none.
func (m OpMetrics) MeanLatency() time.Duration {
	if m.Calls == 0 {
		return 0
	}
	return m.Latency / time.Duration(m.Calls)
}

// MetricsSnapshot is a copy of a [Counters] at one moment, by operation.
type MetricsSnapshot struct {
	Put, PutBatch, Get, Delete, Scan, Flush, Ping OpMetrics
}

// Snapshot returns the counts so far. Each counter is read atomically, but
// not all at one instant: a snapshot taken while calls run may count a
// call in Calls and not yet in BytesIn.
func (c *Counters) Snapshot() MetricsSnapshot {
	return MetricsSnapshot{
		Put:      c.put.snapshot(),
		PutBatch: c.putBatch.snapshot(),
		Get:      c.get.snapshot(),
		Delete:   c.delete.snapshot(),
		Scan:     c.scan.snapshot(),
		Flush:    c.flush.snapshot(),
		Ping:     c.ping.snapshot(),
	}
}

// Metrics returns a Layer that counts every call that reaches it into m:
// calls, failures, Gets that found nothing, records and bytes in and out,
// and time spent, per operation (see [OpMetrics]). Close is not counted. A
// nil m counts into a Counters of the layer's own, which nothing reads. The
// Stage it builds offers the optional capabilities of package store
// whatever the next stage offers, as [EncryptStage] does.
func Metrics(m *Counters) Layer {
	if m == nil {
		m = new(Counters)
	}
	return func(next store.Stage) store.Stage {
		return &metricsStage{next: next, m: m}
	}
}

// metricsStage is the Stage Metrics builds.
type metricsStage struct {
	next   store.Stage
	m      *Counters
	closed atomic.Bool
}

var (
	_ store.Stage       = (*metricsStage)(nil)
	_ store.BatchPutter = (*metricsStage)(nil)
	_ store.Flusher     = (*metricsStage)(nil)
	_ store.Pinger      = (*metricsStage)(nil)
	_ store.NativeTTL   = (*metricsStage)(nil)
)

// oneIfNil returns 1 when err is nil, else 0: the records a one-record call
// stored or found.
func oneIfNil(err error) int {
	if err == nil {
		return 1
	}
	return 0
}

func (s *metricsStage) Put(ctx context.Context, r store.Record) error {
	start := time.Now()
	err := s.next.Put(ctx, r)
	s.m.put.add(time.Since(start), err, oneIfNil(err), len(r.Key)+len(r.Value), 0)
	return err
}

func (s *metricsStage) PutBatch(ctx context.Context, rs []store.Record) error {
	start := time.Now()
	err := checkOpen(ctx, s.closed.Load())
	if err == nil {
		err = store.PutBatch(ctx, s.next, rs)
	}
	d := time.Since(start)
	n := 0
	for _, r := range rs {
		n += len(r.Key) + len(r.Value)
	}
	s.m.putBatch.add(d, err, oneIfNil(err)*len(rs), n, 0)
	return err
}

func (s *metricsStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	start := time.Now()
	r, err := s.next.Get(ctx, bucket, key)
	s.m.get.add(time.Since(start), err, oneIfNil(err), 0, len(r.Key)+len(r.Value))
	return r, err
}

func (s *metricsStage) Delete(ctx context.Context, bucket string, key []byte) error {
	start := time.Now()
	err := s.next.Delete(ctx, bucket, key)
	s.m.delete.add(time.Since(start), err, 0, 0, 0)
	return err
}

func (s *metricsStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		t := observeScan(s.next.Scan(ctx, bucket), yield)
		s.m.scan.add(t.busy, t.err, t.records, 0, t.keyBytes+t.valueBytes)
	}
}

func (s *metricsStage) Flush(ctx context.Context) error {
	start := time.Now()
	err := checkOpen(ctx, s.closed.Load())
	if err == nil {
		err = capFlush(ctx, s.next)
	}
	s.m.flush.add(time.Since(start), err, 0, 0, 0)
	return err
}

func (s *metricsStage) Ping(ctx context.Context) error {
	start := time.Now()
	err := checkOpen(ctx, s.closed.Load())
	if err == nil {
		err = capPing(ctx, s.next)
	}
	s.m.ping.add(time.Since(start), err, 0, 0, 0)
	return err
}

func (s *metricsStage) NativeTTL() bool { return capNativeTTL(s.next) }

func (s *metricsStage) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.next.Close()
}

// scanTally is what observeScan saw of one iteration.
type scanTally struct {
	records, keyBytes, valueBytes int
	err                           error         // the error that ended it, if any
	busy                          time.Duration // time spent in the sequence, outside yield
}

// observeScan ranges over seq, handing each pair on to yield, and tallies
// what went by. It stops as soon as yield returns false, as a Scan must.
func observeScan(seq iter.Seq2[store.Record, error], yield func(store.Record, error) bool) (t scanTally) {
	start := time.Now()
	for r, err := range seq {
		t.busy += time.Since(start)
		if err != nil {
			t.err = err
		} else {
			t.records++
			t.keyBytes += len(r.Key)
			t.valueBytes += len(r.Value)
		}
		if !yield(r, err) {
			return t
		}
		start = time.Now()
	}
	t.busy += time.Since(start)
	return t
}
