package layer_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// TestScanSkipsDamagedRecords: through every layer, a record that does not
// open or decode is yielded as a *store.RecordError naming its storage
// name (never the key) and the scan goes on to yield every good record.
func TestScanSkipsDamagedRecords(t *testing.T) {
	ctx := context.Background()
	ring := newRing(t)
	mem := store.NewMemory()
	enc, err := layer.NewEncryptStage(mem, encryptOptions(t, ring))
	if err != nil {
		t.Fatal(err)
	}
	var counters layer.Counters
	pipe := layer.Chain(faulty.Wrap(enc),
		layer.Log(slog.New(slog.DiscardHandler), layer.LogOptions{}),
		layer.Metrics(&counters),
		layer.Breaker(layer.BreakerOptions{}),
		layer.Compress(layer.CompressOptions{}),
	)
	defer pipe.Close()
	for _, k := range []string{"good-1", "good-2", "good-3"} {
		if err := pipe.Put(ctx, store.Record{Bucket: "b", Key: []byte(k), Value: []byte("value of " + k)}); err != nil {
			t.Fatal(err)
		}
	}
	if f, ok := pipe.(store.Flusher); ok {
		if err := f.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Below encryption: a foreign value under a name of the layer's form.
	foreign := strings.Repeat("e", 64)
	if err := mem.Put(ctx, store.Record{Bucket: "b", Key: []byte(foreign), Value: []byte("junk")}); err != nil {
		t.Fatal(err)
	}
	// Above encryption, below compression: a value compression never wrote,
	// which opens but does not decompress.
	if err := enc.Put(ctx, store.Record{Bucket: "b", Key: []byte("zz-secret"), Value: []byte{0xee, 1, 2}}); err != nil {
		t.Fatal(err)
	}

	var good []string
	var names []string
	for r, err := range pipe.Scan(ctx, "b") {
		if err != nil {
			re := store.AsRecordError(err)
			if re == nil || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Scan yielded %v, want only RecordErrors", err)
			}
			if strings.Contains(err.Error(), "zz-secret") {
				t.Errorf("a RecordError shows the key: %v", err)
			}
			if re.Name != nil {
				names = append(names, string(re.Name))
			} else if !bytes.Equal(re.Key, []byte("zz-secret")) {
				t.Errorf("a RecordError above encryption carries Key %q, want the record's key", re.Key)
			}
			continue
		}
		good = append(good, string(r.Key))
	}
	slices.Sort(good)
	if !slices.Equal(good, []string{"good-1", "good-2", "good-3"}) {
		t.Errorf("Scan yielded %q, want the three good records", good)
	}
	if !slices.Equal(names, []string{foreign}) {
		t.Errorf("Scan named %q, want the foreign record's storage name", names)
	}
}

// TestUnwrapReachesEveryStage: store.As finds the encrypt stage and the
// backend's BucketLister through every layer.
func TestUnwrapReachesEveryStage(t *testing.T) {
	mem := store.NewMemory()
	enc, err := layer.NewEncryptStage(mem, encryptOptions(t, newRing(t)))
	if err != nil {
		t.Fatal(err)
	}
	var counters layer.Counters
	pipe := layer.Chain(enc,
		layer.Log(slog.New(slog.DiscardHandler), layer.LogOptions{}),
		layer.Metrics(&counters),
		layer.Breaker(layer.BreakerOptions{}),
		layer.Compress(layer.CompressOptions{}),
	)
	defer pipe.Close()
	if got, ok := store.As[*layer.EncryptStage](pipe); !ok || got != enc {
		t.Errorf("As[*EncryptStage] = %v, %v", got, ok)
	}
	if _, ok := store.As[*layer.BreakerStage](pipe); !ok {
		t.Errorf("As[*BreakerStage] found nothing")
	}
	l, ok := store.As[store.BucketLister](pipe)
	if !ok {
		t.Fatal("As[BucketLister] found nothing")
	}
	// The encrypt layer files records under the clear bucket name, so the
	// backend's list is the caller's.
	if err := pipe.Put(t.Context(), store.Record{Bucket: "sessions", Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatal(err)
	}
	if err := pipe.(store.Flusher).Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for b, err := range l.Buckets(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
	}
	if !slices.Equal(got, []string{"sessions"}) {
		t.Errorf("Buckets through the layers = %q, want [sessions]", got)
	}
}
