package fs

import (
	"errors"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestScanGoesOnPastDamagedFile: Scan reports a damaged file as a
// *store.RecordError holding the key its name encodes, and still yields
// every good record of the bucket.
func TestScanGoesOnPastDamagedFile(t *testing.T) {
	s, dir := openTest(t, nil)
	for _, k := range []string{"a", "b", "c", "d"} {
		mustPut(t, s, store.Record{Bucket: "b", Key: []byte(k), Value: []byte("value " + k)})
	}
	path := entryPath(dir, "b", []byte("b"))
	data := readFile(t, path)
	data[len(data)/2] ^= 1
	writeFile(t, path, data)

	var good []string
	var bad []*store.RecordError
	for r, err := range s.Scan(t.Context(), "b") {
		if err != nil {
			re := store.AsRecordError(err)
			if re == nil || !errors.Is(err, ErrCorrupt) || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Scan yielded %v, want a RecordError matching ErrCorrupt", err)
			}
			bad = append(bad, re)
			continue
		}
		good = append(good, string(r.Key))
	}
	if len(good) != 3 {
		t.Errorf("Scan yielded %q, want the three good records", good)
	}
	if len(bad) != 1 || string(bad[0].Key) != "b" || bad[0].Bucket != "b" {
		t.Errorf("Scan reported %+v, want one RecordError for key b", bad)
	}
}
