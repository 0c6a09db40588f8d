package layer_test

import (
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"
	"testing"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// bare offers the five Stage methods and nothing else, hiding Memory's
// PutBatch and Ping.
type bare struct{ s store.Stage }

func (b bare) Put(ctx context.Context, r store.Record) error { return b.s.Put(ctx, r) }
func (b bare) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	return b.s.Get(ctx, bucket, key)
}
func (b bare) Delete(ctx context.Context, bucket string, key []byte) error {
	return b.s.Delete(ctx, bucket, key)
}
func (b bare) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return b.s.Scan(ctx, bucket)
}
func (b bare) Close() error { return b.s.Close() }

// full offers every capability and records which were used.
type full struct {
	*store.Memory
	batches, flushes, pings int
}

var errPing = errors.New("ping from below")

func (f *full) PutBatch(ctx context.Context, rs []store.Record) error {
	f.batches++
	return f.Memory.PutBatch(ctx, rs)
}
func (f *full) Flush(context.Context) error { f.flushes++; return nil }
func (f *full) Ping(context.Context) error  { f.pings++; return errPing }
func (f *full) NativeTTL() bool             { return true }

// capabilityLayers are the layers whose Stages pass every capability on.
func capabilityLayers(t *testing.T) map[string]layer.Layer {
	enc, err := layer.Encrypt(encryptOptions(t, newRing(t)))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]layer.Layer{
		"Encrypt": enc,
		"Log":     layer.Log(slog.New(slog.NewTextHandler(io.Discard, nil)), layer.LogOptions{}),
		"Metrics": layer.Metrics(new(layer.Counters)),
	}
}

type capable interface {
	store.BatchPutter
	store.Flusher
	store.Pinger
	store.NativeTTL
}

func TestCapabilitiesPassedOn(t *testing.T) {
	for name, l := range capabilityLayers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			f := &full{Memory: store.NewMemory()}
			s, ok := layer.Chain(f, l).(capable)
			if !ok {
				t.Fatal("the Stage lacks an optional capability")
			}
			if err := s.PutBatch(ctx, []store.Record{{Key: []byte("k")}}); err != nil || f.batches != 1 {
				t.Errorf("PutBatch = %v and reached the next PutBatch %d times, want nil and once", err, f.batches)
			}
			if err := s.Flush(ctx); err != nil || f.flushes != 1 {
				t.Errorf("Flush = %v and reached the next Flush %d times, want nil and once", err, f.flushes)
			}
			if err := s.Ping(ctx); !errors.Is(err, errPing) || f.pings != 1 {
				t.Errorf("Ping = %v and reached the next Ping %d times, want its error, once", err, f.pings)
			}
			if !s.NativeTTL() {
				t.Error("NativeTTL = false over a next stage whose NativeTTL is true")
			}
		})
	}
}

func TestCapabilitiesEmulated(t *testing.T) {
	for name, l := range capabilityLayers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			mem := store.NewMemory()
			s := layer.Chain(bare{mem}, l).(capable)
			if err := s.PutBatch(ctx, []store.Record{{Key: []byte("a")}, {Key: []byte("b")}}); err != nil {
				t.Errorf("PutBatch = %v", err)
			}
			for _, k := range []string{"a", "b"} {
				if _, err := layer.Chain(bare{mem}, l).Get(ctx, "", []byte(k)); err != nil {
					t.Errorf("Get(%q) after the emulated PutBatch = %v", k, err)
				}
			}
			if err := s.Flush(ctx); err != nil {
				t.Errorf("Flush = %v, want nil", err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping = %v, want nil", err)
			}
			if s.NativeTTL() {
				t.Error("NativeTTL = true over a next stage without NativeTTL")
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			for op, err := range map[string]error{
				"PutBatch": s.PutBatch(cancelled, nil), "Flush": s.Flush(cancelled), "Ping": s.Ping(cancelled),
			} {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s with a cancelled context = %v, want an error matching context.Canceled", op, err)
				}
			}
			if err := s.(store.Stage).Close(); err != nil {
				t.Fatal(err)
			}
			for op, err := range map[string]error{
				"PutBatch": s.PutBatch(ctx, nil), "Flush": s.Flush(ctx), "Ping": s.Ping(ctx),
			} {
				if !errors.Is(err, store.ErrClosed) {
					t.Errorf("%s after Close = %v, want an error matching store.ErrClosed", op, err)
				}
			}
		})
	}
}
