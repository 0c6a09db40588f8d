package layer

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/store"
)

// LogOptions configures [Log]. The zero value logs calls that succeed at
// Debug and calls that fail at Warn.
type LogOptions struct {
	// Level is the level of calls that succeed, a Get that finds nothing
	// included. nil means slog.LevelDebug.
	Level slog.Leveler
	// ErrorLevel is the level of calls that fail. nil means slog.LevelWarn.
	ErrorLevel slog.Leveler
}

// logMessage is the message of every record a Log layer writes.
const logMessage = "livedict store"

// Log returns a Layer that logs every call that reaches it to logger, with
// the message "livedict store" and these attributes:
//
//   - op: put, put_batch, get, delete, scan, flush, ping or close.
//   - bucket: the bucket (put, get, delete, scan).
//   - key_len: the length of the key in bytes (put, get, delete).
//   - value_len: the length of the value in bytes (put, and get when
//     found); the total over all records for put_batch and scan.
//   - records: the number of records (put_batch, and scan: those yielded).
//   - found: whether get found the record.
//   - duration: the time the call took. For scan it is the time spent in
//     the stages below, summed over the whole iteration, not counting the
//     time the caller's loop body took; scan is logged once, when its
//     iteration ends.
//   - err: the error, for calls that fail.
//
// Keys and values are never logged, only their lengths: keys may be
// secrets, and a Log layer above an Encrypt layer must not undo it. A nil
// logger means slog.Default() as it is when Log is called. The Stage Log
// builds offers the optional capabilities of package store whatever the
// next stage offers, as [EncryptStage] does, and logs them too.
func Log(logger *slog.Logger, opts LogOptions) Layer {
	if logger == nil {
		logger = slog.Default()
	}
	if opts.Level == nil {
		opts.Level = slog.LevelDebug
	}
	if opts.ErrorLevel == nil {
		opts.ErrorLevel = slog.LevelWarn
	}
	return func(next store.Stage) store.Stage {
		return &logStage{next: next, logger: logger, opts: opts}
	}
}

// logStage is the Stage Log builds.
type logStage struct {
	next   store.Stage
	logger *slog.Logger
	opts   LogOptions
	closed atomic.Bool
}

var (
	_ store.Stage       = (*logStage)(nil)
	_ store.BatchPutter = (*logStage)(nil)
	_ store.Flusher     = (*logStage)(nil)
	_ store.Pinger      = (*logStage)(nil)
	_ store.NativeTTL   = (*logStage)(nil)
)

// done logs a call of op that took d and ended with err. The level is
// decided first, so a disabled level costs no attribute building.
func (l *logStage) done(ctx context.Context, op string, d time.Duration, err error, attrs ...slog.Attr) {
	level := l.opts.Level.Level()
	failed := err != nil && !(op == "get" && errors.Is(err, store.ErrNotFound))
	if failed {
		level = l.opts.ErrorLevel.Level()
	}
	if !l.logger.Enabled(ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+3)
	all = append(all, slog.String("op", op))
	all = append(all, attrs...)
	all = append(all, slog.Duration("duration", d))
	if failed {
		all = append(all, slog.String("err", err.Error()))
	}
	l.logger.LogAttrs(ctx, level, logMessage, all...)
}

func (l *logStage) Put(ctx context.Context, r store.Record) error {
	start := time.Now()
	err := l.next.Put(ctx, r)
	l.done(ctx, "put", time.Since(start), err,
		slog.String("bucket", r.Bucket), slog.Int("key_len", len(r.Key)), slog.Int("value_len", len(r.Value)))
	return err
}

func (l *logStage) PutBatch(ctx context.Context, rs []store.Record) error {
	start := time.Now()
	err := checkOpen(ctx, l.closed.Load())
	if err == nil {
		err = store.PutBatch(ctx, l.next, rs)
	}
	n := 0
	for _, r := range rs {
		n += len(r.Value)
	}
	l.done(ctx, "put_batch", time.Since(start), err, slog.Int("records", len(rs)), slog.Int("value_len", n))
	return err
}

func (l *logStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	start := time.Now()
	r, err := l.next.Get(ctx, bucket, key)
	attrs := []slog.Attr{slog.String("bucket", bucket), slog.Int("key_len", len(key)), slog.Bool("found", err == nil)}
	if err == nil {
		attrs = append(attrs, slog.Int("value_len", len(r.Value)))
	}
	l.done(ctx, "get", time.Since(start), err, attrs...)
	return r, err
}

func (l *logStage) Delete(ctx context.Context, bucket string, key []byte) error {
	start := time.Now()
	err := l.next.Delete(ctx, bucket, key)
	l.done(ctx, "delete", time.Since(start), err, slog.String("bucket", bucket), slog.Int("key_len", len(key)))
	return err
}

func (l *logStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		t := observeScan(l.next.Scan(ctx, bucket), yield)
		l.done(ctx, "scan", t.busy, t.err,
			slog.String("bucket", bucket), slog.Int("records", t.records), slog.Int("value_len", t.valueBytes))
	}
}

func (l *logStage) Flush(ctx context.Context) error {
	start := time.Now()
	err := checkOpen(ctx, l.closed.Load())
	if err == nil {
		err = capFlush(ctx, l.next)
	}
	l.done(ctx, "flush", time.Since(start), err)
	return err
}

func (l *logStage) Ping(ctx context.Context) error {
	start := time.Now()
	err := checkOpen(ctx, l.closed.Load())
	if err == nil {
		err = capPing(ctx, l.next)
	}
	l.done(ctx, "ping", time.Since(start), err)
	return err
}

func (l *logStage) NativeTTL() bool { return capNativeTTL(l.next) }

func (l *logStage) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	start := time.Now()
	err := l.next.Close()
	l.done(context.Background(), "close", time.Since(start), err)
	return err
}
