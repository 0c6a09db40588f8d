package store

import (
	"bytes"
	"context"
	"testing"
	"unsafe"
)

// checkLayout fails t unless every record d holds has its Key and Value in
// one allocation, Key first, with the map key a string over that same Key:
// a map key left over from an earlier Put of the key would keep that
// Put's whole allocation alive.
func checkLayout(t *testing.T, d *MemoryData, want map[string]string) {
	t.Helper()
	d.mu.RLock()
	defer d.mu.RUnlock()
	got := 0
	for bucket, b := range d.buckets {
		for k, r := range b {
			got++
			if k != string(r.Key) {
				t.Errorf("bucket %q: map key %q holds the record of key %q", bucket, k, r.Key)
			}
			if v, ok := want[bucket+"/"+k]; !ok || v != string(r.Value) {
				t.Errorf("bucket %q key %q: value %q, want %q (present: %v)", bucket, k, r.Value, v, ok)
			}
			if len(k) > 0 && unsafe.StringData(k) != unsafe.SliceData(r.Key) {
				t.Errorf("bucket %q key %q: the map key's bytes are not the record's Key", bucket, k)
			}
			if cap(r.Key) != len(r.Key) {
				t.Errorf("bucket %q key %q: Key has capacity %d beyond its length %d", bucket, k, cap(r.Key), len(r.Key))
			}
			if len(r.Key) > 0 && len(r.Value) > 0 &&
				unsafe.Add(unsafe.Pointer(unsafe.SliceData(r.Key)), len(r.Key)) != unsafe.Pointer(unsafe.SliceData(r.Value)) {
				t.Errorf("bucket %q key %q: Value does not follow Key in one allocation", bucket, k)
			}
		}
	}
	if got != len(want) {
		t.Errorf("MemoryData holds %d records, want %d", got, len(want))
	}
}

func TestMemoryLayout(t *testing.T) {
	ctx := context.Background()
	put := func(m *Memory, bucket, key, value string) {
		t.Helper()
		if err := m.Put(ctx, Record{Bucket: bucket, Key: []byte(key), Value: []byte(value)}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("Put", func(t *testing.T) {
		var d MemoryData
		m := NewMemoryShared(&d)
		put(m, "a", "k", "first")
		put(m, "b", "k", "other bucket")
		put(m, "a", "", "empty key")
		put(m, "a", "nv", "")
		checkLayout(t, &d, map[string]string{"a/k": "first", "b/k": "other bucket", "a/": "empty key", "a/nv": ""})
	})
	t.Run("Overwrite", func(t *testing.T) {
		var d MemoryData
		m := NewMemoryShared(&d)
		put(m, "a", "k", "first")
		put(m, "a", "k", "a longer second value")
		put(m, "a", "k", "3")
		checkLayout(t, &d, map[string]string{"a/k": "3"})
	})
	t.Run("PutBatch", func(t *testing.T) {
		var d MemoryData
		m := NewMemoryShared(&d)
		put(m, "a", "old", "before the batch")
		rs := []Record{
			{Bucket: "a", Key: []byte("old"), Value: []byte("replaced")},
			{Bucket: "a", Key: []byte("twice"), Value: []byte("first in the batch")},
			{Bucket: "a", Key: []byte("twice"), Value: []byte("second")},
			{Bucket: "c", Key: []byte("new"), Value: []byte("v")},
		}
		if err := m.PutBatch(ctx, rs); err != nil {
			t.Fatal(err)
		}
		checkLayout(t, &d, map[string]string{"a/old": "replaced", "a/twice": "second", "c/new": "v"})
	})
}

// TestMemoryNilSlices checks that packing keeps a nil Value nil and an
// empty one empty, as Clone did before.
func TestMemoryNilSlices(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	for _, v := range [][]byte{nil, {}} {
		if err := m.Put(ctx, Record{Key: []byte("k"), Value: v}); err != nil {
			t.Fatal(err)
		}
		r, err := m.Get(ctx, "", []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		if (r.Value == nil) != (v == nil) || !bytes.Equal(r.Key, []byte("k")) {
			t.Errorf("Put of Value %#v gave Get Key %q Value %#v", v, r.Key, r.Value)
		}
	}
}
