package badger_test

import (
	"errors"
	"fmt"
	"testing"

	bdg "github.com/dgraph-io/badger/v4"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

// TestScanGoesOnPastDamagedRecord: a value this package cannot have
// written, between good records, is yielded as a *store.RecordError with
// its key, and Scan still yields every good record after it.
func TestScanGoesOnPastDamagedRecord(t *testing.T) {
	s := openT(t, t.TempDir(), nil)
	ctx := t.Context()
	const bucket = "b"
	for i := range 5 {
		if err := s.Put(ctx, store.Record{Bucket: bucket, Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
	}
	key := append([]byte{'r', byte(len(bucket))}, bucket+"k2"...)
	if err := s.DB().Update(func(txn *bdg.Txn) error {
		return txn.SetEntry(bdg.NewEntry(key, []byte("x")).WithMeta(0x40))
	}); err != nil {
		t.Fatal(err)
	}
	var good, bad []string
	for r, err := range s.Scan(ctx, bucket) {
		if err != nil {
			re := store.AsRecordError(err)
			if re == nil || !errors.Is(err, badger.ErrCorrupt) {
				t.Fatalf("Scan yielded %v, want a RecordError matching ErrCorrupt", err)
			}
			bad = append(bad, string(re.Key))
			continue
		}
		good = append(good, string(r.Key))
	}
	if fmt.Sprint(good) != "[k0 k1 k3 k4]" || fmt.Sprint(bad) != "[k2]" {
		t.Errorf("Scan yielded %v and reported %v; want [k0 k1 k3 k4] and [k2]", good, bad)
	}
}
