package store_test

import (
	"context"
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// memoryHarness reopens a Memory over the same MemoryData.
type memoryHarness struct{ data store.MemoryData }

func (h *memoryHarness) Open(*testing.T) store.Stage { return store.NewMemoryShared(&h.data) }

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Harness { return new(memoryHarness) })
}

// TestMemoryCopies checks that no slice Memory takes or returns shares
// memory with what it keeps, for every method that takes or returns one,
// and that appending to a returned Key leaves its Value alone (the two
// share one allocation).
func TestMemoryCopies(t *testing.T) {
	ctx := context.Background()
	want := map[string]string{"k1": "value one", "k2": "value two"}
	check := func(t *testing.T, m *store.Memory) {
		t.Helper()
		for k, v := range want {
			r, err := m.Get(ctx, "b", []byte(k))
			if err != nil || string(r.Key) != k || string(r.Value) != v {
				t.Errorf("Get(%q) = %q, %q, %v; want %q", k, r.Key, r.Value, err, v)
			}
		}
	}
	// scribble overwrites r's slices and appends to its Key.
	scribble := func(t *testing.T, r store.Record) {
		t.Helper()
		value := string(r.Value)
		_ = append(r.Key, "appended"...)
		if string(r.Value) != value {
			t.Errorf("appending to Key %q changed its Value from %q to %q", r.Key, value, r.Value)
		}
		copy(r.Key, "XX")
		copy(r.Value, "XXXXXXX")
	}

	t.Run("PutBatch", func(t *testing.T) {
		m := store.NewMemory()
		var rs []store.Record
		for k, v := range want {
			rs = append(rs, store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)})
		}
		if err := m.PutBatch(ctx, rs); err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			copy(r.Key, "XX")
			copy(r.Value, "XXXXXXX")
		}
		check(t, m)
	})
	t.Run("Get", func(t *testing.T) {
		m := store.NewMemory()
		for k, v := range want {
			if err := m.Put(ctx, store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)}); err != nil {
				t.Fatal(err)
			}
		}
		for k := range want {
			r, err := m.Get(ctx, "b", []byte(k))
			if err != nil {
				t.Fatal(err)
			}
			scribble(t, r)
		}
		check(t, m)
	})
	t.Run("Scan", func(t *testing.T) {
		m := store.NewMemory()
		for k, v := range want {
			if err := m.Put(ctx, store.Record{Bucket: "b", Key: []byte(k), Value: []byte(v)}); err != nil {
				t.Fatal(err)
			}
		}
		for r, err := range m.Scan(ctx, "b") {
			if err != nil {
				t.Fatal(err)
			}
			scribble(t, r)
		}
		check(t, m)
	})
}

// TestMemoryAllocs pins the allocations of a round trip: one for the
// record Put keeps, one for the copy Get returns. The key is already
// present, so the map does not grow.
func TestMemoryAllocs(t *testing.T) {
	ctx := context.Background()
	m := store.NewMemory()
	r := store.Record{Bucket: "b", Key: []byte("key"), Value: make([]byte, 1024)}
	if err := m.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	put := testing.AllocsPerRun(100, func() {
		if err := m.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	})
	get := testing.AllocsPerRun(100, func() {
		if _, err := m.Get(ctx, "b", r.Key); err != nil {
			t.Fatal(err)
		}
	})
	if put != 1 || get != 1 {
		t.Errorf("Put made %v allocations and Get %v, want 1 each", put, get)
	}
}
