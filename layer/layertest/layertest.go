// Package layertest checks that a [layer.Layer] keeps the contract of package
// store and gives back what was written through it.
//
// A layer's test calls [Run]. Each case runs as a named subtest over a fresh
// [store.Memory] wrapped by the layer, and each failure message starts with
// the rule that was broken, in plain English:
//
//	func TestLayer(t *testing.T) {
//		layertest.Run(t, myLayer)
//	}
//
// Run also runs the whole of package storetest over the wrapped Memory, so a
// layer that passes offers the layer above it everything a backend offers.
package layertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/livedict/livedict/internal/ruletest"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
)

// Run runs the cases against l, each as a subtest of t. A case for an
// optional capability l does not offer (store.BatchPutter, and those
// storetest skips) is skipped.
func Run(t *testing.T, l layer.Layer) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := layer.Chain(store.NewMemory(), l)
			t.Cleanup(func() { _ = s.Close() })
			c.run(&caseT{ruletest.T{T: t, Rule: c.rule}}, s)
		})
	}
	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(*testing.T) storetest.Harness {
			return &harness{l: l, data: new(store.MemoryData)}
		})
	})
}

// harness reopens a layered Memory over the same storage.
type harness struct {
	l    layer.Layer
	data *store.MemoryData
}

// Open wraps a new Memory over h's storage with the layer.
func (h *harness) Open(*testing.T) store.Stage {
	return layer.Chain(store.NewMemoryShared(h.data), h.l)
}

type testCase struct {
	name, rule string
	run        func(t *caseT, s store.Stage)
}

var cases = []testCase{
	{"RoundTrip", "a value read back through the layer equals the value written through it", roundTrip},
	{"NotFound", "a missing record gives an error matching store.ErrNotFound", notFound},
	{"Cancelled", "a cancelled context gives an error matching context.Canceled", cancelled},
	{"Concurrent", "the layer is safe for concurrent use", concurrent},
	{"ScanDecodes", "Scan yields every record with its value as written", scanDecodes},
	{"PutBatch", "records stored with PutBatch read back as written", putBatch},
}

// caseT is the *testing.T a case runs with: its Errorf and Fatalf put the
// case's rule before the message.
type caseT struct{ ruletest.T }

// value returns n bytes: compressible when pattern is set, otherwise a
// deterministic sequence that compresses poorly.
func value(n int, pattern bool) []byte {
	v := make([]byte, n)
	x := uint32(2463534242)
	for i := range v {
		if pattern {
			v[i] = "livedict layer "[i%15]
			continue
		}
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		v[i] = byte(x)
	}
	return v
}

// wantValue checks that Get finds key in bucket with value v.
func (t *caseT) wantValue(s store.Stage, bucket string, key, v []byte) {
	t.Helper()
	r, err := s.Get(t.Context(), bucket, key)
	if err != nil {
		t.Errorf("Get(%q, %q) = %v, want the record", bucket, key, err)
		return
	}
	if r.Bucket != bucket || !bytes.Equal(r.Key, key) {
		t.Errorf("Get(%q, %q) returned bucket %q key %q", bucket, key, r.Bucket, r.Key)
	}
	if !bytes.Equal(r.Value, v) {
		t.Errorf("Get(%q, %q).Value has %d bytes, want the %d bytes written", bucket, key, len(r.Value), len(v))
	}
}

func roundTrip(t *caseT, s store.Stage) {
	values := map[string][]byte{
		"empty":      {},
		"one byte":   {0},
		"short":      []byte("hello"),
		"4 KiB text": value(4<<10, true),
		"4 KiB mix":  value(4<<10, false),
		"1 MiB text": value(1<<20, true),
		"1 MiB mix":  value(1<<20, false),
	}
	for name, v := range values {
		r := store.Record{Bucket: "b", Key: []byte(name), Value: bytes.Clone(v)}
		if err := s.Put(t.Context(), r); err != nil {
			t.Fatalf("Put(%q) = %v", name, err)
		}
		if !bytes.Equal(r.Value, v) {
			t.Errorf("Put(%q) modified the caller's value", name)
		}
	}
	for name, v := range values {
		t.wantValue(s, "b", []byte(name), v)
	}
}

func notFound(t *caseT, s store.Stage) {
	if _, err := s.Get(t.Context(), "b", []byte("missing")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a missing key = %v, want an error matching store.ErrNotFound", err)
	}
	if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")}); err != nil {
		t.Fatalf("Put = %v", err)
	}
	if err := s.Delete(t.Context(), "b", []byte("k")); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, err := s.Get(t.Context(), "b", []byte("k")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a deleted key = %v, want an error matching store.ErrNotFound", err)
	}
}

func cancelled(t *caseT, s store.Stage) {
	if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: []byte("kept"), Value: []byte("v")}); err != nil {
		t.Fatalf("Put = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	want := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s = %v, want an error matching context.Canceled", op, err)
		}
	}
	want("Put", s.Put(ctx, store.Record{Bucket: "b", Key: []byte("new"), Value: []byte("v")}))
	_, err := s.Get(ctx, "b", []byte("kept"))
	want("Get", err)
	want("Delete", s.Delete(ctx, "b", []byte("kept")))
	var scanErr error
	for _, err := range s.Scan(ctx, "b") {
		scanErr = err
	}
	want("Scan", scanErr)
	if bp, ok := s.(store.BatchPutter); ok {
		want("PutBatch", bp.PutBatch(ctx, []store.Record{{Bucket: "b", Key: []byte("batch"), Value: []byte("v")}}))
	}
	t.wantValue(s, "b", []byte("kept"), []byte("v"))
}

func concurrent(t *caseT, s store.Stage) {
	const workers, keys = 8, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			ctx := t.Context()
			for i := range keys {
				key := fmt.Appendf(nil, "w%d-k%d", w, i)
				v := append(value(300, true), key...)
				if err := s.Put(ctx, store.Record{Bucket: "b", Key: key, Value: v}); err != nil {
					errs <- fmt.Errorf("Put(%q) = %w", key, err)
					return
				}
				r, err := s.Get(ctx, "b", key)
				if err != nil {
					errs <- fmt.Errorf("Get(%q) = %w", key, err)
					return
				}
				if !bytes.Equal(r.Value, v) {
					errs <- fmt.Errorf("Get(%q) returned a value other than the one written", key)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v", err)
	}
}

// fill writes n records with distinct values and returns them by key.
func fill(t *caseT, s store.Stage, n int) map[string][]byte {
	want := make(map[string][]byte, n)
	for i := range n {
		key := fmt.Sprintf("k%03d", i)
		v := append(value(i*7, i%2 == 0), key...)
		want[key] = v
		if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: []byte(key), Value: v}); err != nil {
			t.Fatalf("Put(%q) = %v", key, err)
		}
	}
	return want
}

func scanDecodes(t *caseT, s store.Stage) {
	want := fill(t, s, 100)
	seen := 0
	for r, err := range s.Scan(t.Context(), "b") {
		if err != nil {
			t.Fatalf("Scan yielded error %v", err)
		}
		seen++
		v, ok := want[string(r.Key)]
		if !ok {
			t.Errorf("Scan yielded unknown key %q", r.Key)
			continue
		}
		if !bytes.Equal(r.Value, v) {
			t.Errorf("Scan yielded key %q with a value other than the one written", r.Key)
		}
	}
	if seen != len(want) {
		t.Errorf("Scan yielded %d records, want %d", seen, len(want))
	}
}

func putBatch(t *caseT, s store.Stage) {
	bp, ok := s.(store.BatchPutter)
	if !ok {
		t.Skip("the layer does not offer store.BatchPutter")
	}
	var rs []store.Record
	for i := range 50 {
		key := fmt.Appendf(nil, "k%d", i)
		rs = append(rs, store.Record{Bucket: "b", Key: key, Value: append(value(i*20, true), key...)})
	}
	orig := make([]store.Record, len(rs))
	for i, r := range rs {
		orig[i] = r.Clone()
	}
	if err := bp.PutBatch(t.Context(), rs); err != nil {
		t.Fatalf("PutBatch = %v", err)
	}
	for i, r := range orig {
		if !bytes.Equal(rs[i].Value, r.Value) {
			t.Errorf("PutBatch modified the caller's record %q", r.Key)
		}
		t.wantValue(s, "b", r.Key, r.Value)
	}
	if err := bp.PutBatch(t.Context(), nil); err != nil {
		t.Errorf("PutBatch(nil) = %v, want nil", err)
	}
}
