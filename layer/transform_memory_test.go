package layer_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// own is a Transform that ignores dst and returns the record's own value:
// memory that is not the stage's to reuse.
type own struct{}

func (own) Encode(_ []byte, r store.Record) ([]byte, error) { return r.Value, nil }

func (own) Decode(dst []byte, r store.Record) ([]byte, error) { return append(dst, r.Value...), nil }

// appender is a Stage that appends a byte to each value it is given
// before passing it on, as a stage may; it must not reach a neighbour.
type appender struct{ store.Stage }

func (a appender) Put(ctx context.Context, r store.Record) error {
	r.Value = append(r.Value, '!')
	return a.Stage.Put(ctx, r)
}

func (a appender) PutBatch(ctx context.Context, rs []store.Record) error {
	for i := range rs {
		rs[i].Value = append(rs[i].Value, '!')
	}
	return store.PutBatch(ctx, a.Stage, rs)
}

// TestTransformBuffers checks that the buffers a transform stage encodes
// into are never shared with memory a Transform returns as its own, nor
// between the records of one batch, whatever the Transform does with dst.
func TestTransformBuffers(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		t    layer.Transform
		want func(v string) string
	}{
		{"appends", suffix('s'), func(v string) string { return v + "s!" }},
		{"returns the record's value", own{}, func(v string) string { return v + "!" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := store.NewMemory()
			s := layer.Chain(appender{mem}, layer.FromTransform(tc.t))
			defer wbClose(t, s)
			values := map[string][]byte{}
			for i := range 50 {
				k := fmt.Sprint("k", i)
				v := []byte(fmt.Sprintf("value %d %s", i, make([]byte, i*37)))
				values[k] = v
				if i%2 == 0 {
					wbPut(t, s, store.Record{Key: []byte(k), Value: v})
				}
			}
			var batch []store.Record
			for k, v := range values {
				batch = append(batch, store.Record{Key: []byte(k), Value: v})
			}
			if err := store.PutBatch(ctx, s, batch); err != nil {
				t.Fatal(err)
			}
			for k, v := range values {
				// The caller's values are untouched, and every stored one
				// is the encoding of its own value.
				if got, want := wbValue(t, mem, "", k), tc.want(string(v)); got != want {
					t.Fatalf("%s: stored %q, want %q", k, got, want)
				}
			}
			for i := range 50 {
				k := fmt.Sprint("k", i)
				if want := fmt.Sprintf("value %d %s", i, make([]byte, i*37)); string(values[k]) != want {
					t.Fatalf("%s: the caller's value became %q", k, values[k])
				}
			}
		})
	}
}
