package layer_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"iter"
	"testing"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
)

// checksum is a custom Transform: it appends a CRC-32C to each value on the
// way in and checks it on the way out. docs/writing-a-layer.md walks
// through it.
type checksum struct{}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Encode appends the value and its checksum to dst. It never modifies
// r.Value.
func (checksum) Encode(dst []byte, r store.Record) ([]byte, error) {
	dst = append(dst, r.Value...)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(r.Value, castagnoli)), nil
}

// Decode checks the checksum and appends the value without it to dst. Bad
// input gives an error matching layer.ErrCorrupt, never a panic.
func (checksum) Decode(dst []byte, r store.Record) ([]byte, error) {
	v := r.Value
	if len(v) < 4 {
		return nil, fmt.Errorf("checksum: %w: %d bytes is too short", layer.ErrCorrupt, len(v))
	}
	body := v[:len(v)-4]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(v[len(v)-4:]) {
		return nil, fmt.Errorf("checksum: %w: checksum mismatch", layer.ErrCorrupt)
	}
	return append(dst, body...), nil
}

// ExampleFromTransform turns a custom Transform into a Layer and shows it
// catching a value damaged in the backend.
func ExampleFromTransform() {
	backend := store.NewMemory()
	s := layer.Chain(backend, layer.FromTransform(checksum{}))
	defer s.Close()
	ctx := context.Background()

	if err := s.Put(ctx, store.Record{Bucket: "docs", Key: []byte("greeting"), Value: []byte("hello")}); err != nil {
		fmt.Println(err)
		return
	}
	r, err := s.Get(ctx, "docs", []byte("greeting"))
	fmt.Printf("%s %v\n", r.Value, err)

	// Damage the stored value behind the layer's back.
	stored, _ := backend.Get(ctx, "docs", []byte("greeting"))
	stored.Value[0] ^= 0xff
	_ = backend.Put(ctx, stored)

	_, err = s.Get(ctx, "docs", []byte("greeting"))
	fmt.Println(errors.Is(err, layer.ErrCorrupt))
	// Output:
	// hello <nil>
	// true
}

// tenant is a custom layer written as a whole Stage: it files one tenant's
// keys under a prefix, so tenants that share a backend never see each
// other's records. docs/writing-a-layer.md walks through it.
type tenant struct {
	next   store.Stage
	prefix []byte // uvarint length of the name, then the name
}

// Tenant returns the layer for the named tenant. The length before the name
// keeps one tenant's prefix from being the start of another's.
func Tenant(name string) layer.Layer {
	prefix := binary.AppendUvarint(nil, uint64(len(name)))
	prefix = append(prefix, name...)
	return func(next store.Stage) store.Stage { return &tenant{next: next, prefix: prefix} }
}

// key returns the stored key in a new slice: appending to t.prefix itself
// would share its memory between goroutines.
func (t *tenant) key(k []byte) []byte {
	return append(append(make([]byte, 0, len(t.prefix)+len(k)), t.prefix...), k...)
}

func (t *tenant) Put(ctx context.Context, r store.Record) error {
	r.Key = t.key(r.Key) // r is a copy; the caller's slices are untouched
	return wrapTenant("put", t.next.Put(ctx, r))
}

func (t *tenant) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	r, err := t.next.Get(ctx, bucket, t.key(key))
	if err != nil {
		return store.Record{}, wrapTenant("get", err)
	}
	r.Key = r.Key[len(t.prefix):] // the record is ours to hand on
	return r, nil
}

func (t *tenant) Delete(ctx context.Context, bucket string, key []byte) error {
	return wrapTenant("delete", t.next.Delete(ctx, bucket, t.key(key)))
}

// Scan yields this tenant's records only, with the prefix taken off.
func (t *tenant) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for r, err := range t.next.Scan(ctx, bucket) {
			if err != nil {
				yield(store.Record{}, wrapTenant("scan", err))
				return
			}
			k, ok := bytes.CutPrefix(r.Key, t.prefix)
			if !ok {
				continue
			}
			r.Key = k
			if !yield(r, nil) {
				return
			}
		}
	}
}

// PutBatch keeps the next stage's batching, and emulates it faithfully
// when the next stage has none.
func (t *tenant) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := ctx.Err(); err != nil {
		return wrapTenant("put batch", err)
	}
	out := make([]store.Record, len(rs)) // never rewrite the caller's slice
	for i, r := range rs {
		r.Key = t.key(r.Key)
		out[i] = r
	}
	if bp, ok := t.next.(store.BatchPutter); ok {
		return wrapTenant("put batch", bp.PutBatch(ctx, out))
	}
	for _, r := range out {
		if err := t.next.Put(ctx, r); err != nil {
			return wrapTenant("put batch", err)
		}
	}
	return nil
}

func (t *tenant) Close() error { return wrapTenant("close", t.next.Close()) }

func wrapTenant(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("tenant: %s: %w", op, err)
}

// ExampleLayer writes a custom layer as a whole Stage and puts two tenants
// over one backend.
func ExampleLayer() {
	backend := store.NewMemory()
	defer backend.Close()
	acme := layer.Chain(backend, Tenant("acme"))
	globex := layer.Chain(backend, Tenant("globex"))
	ctx := context.Background()

	for s, colour := range map[store.Stage]string{acme: "blue", globex: "green"} {
		if err := s.Put(ctx, store.Record{Key: []byte("colour"), Value: []byte(colour)}); err != nil {
			fmt.Println(err)
			return
		}
	}
	a, _ := acme.Get(ctx, "", []byte("colour"))
	g, _ := globex.Get(ctx, "", []byte("colour"))
	fmt.Printf("acme: %s = %s\nglobex: %s = %s\n", a.Key, a.Value, g.Key, g.Value)

	n := 0
	for _, err := range acme.Scan(ctx, "") {
		if err == nil {
			n++
		}
	}
	fmt.Println("acme scan:", n, "record")
	// Output:
	// acme: colour = blue
	// globex: colour = green
	// acme scan: 1 record
}

// TestExampleLayers runs both example layers through layertest, as the
// guide tells every layer author to.
func TestExampleLayers(t *testing.T) {
	t.Run("checksum", func(t *testing.T) { layertest.Run(t, layer.FromTransform(checksum{})) })
	t.Run("tenant", func(t *testing.T) { layertest.Run(t, Tenant("acme")) })
}
