package livedict

import (
	"context"
	"errors"

	"github.com/livedict/livedict/store"
)

// Warm loads every unexpired record of the bucket from the backend into
// memory, with its persisted expiry, and returns how many it stored. Keys
// already in memory keep their value.
//
// A record that cannot be read (it does not open or does not decode) is
// skipped, reported to Persist.OnError and counted in Stats.PersistErrors,
// and Warm goes on with the rest: it then returns the count with a
// [*SkippedError] naming each skipped record by its storage name (it
// matches ErrCorrupt). A backend failure, a full store (ErrFull),
// Close or the end of ctx stops Warm and is returned (joined with the
// SkippedError of the records skipped until then). So err is nil only when
// every record was loaded.
func (v *View[K, V]) Warm(ctx context.Context) (int, error) {
	p := v.c.pst
	if p == nil || v.b.pmode.Load() == pmNone {
		return 0, ErrNotPersisted
	}
	sk := skips{op: "warm"}
	n, err := v.warm(ctx, &sk)
	return n, sk.err(n, err)
}

// warm is Warm, collecting the skipped records in sk. A panic in the
// backend's Scan (or the layers above it) ends it with an error.
func (v *View[K, V]) warm(ctx context.Context, sk *skips) (n int, err error) {
	err = guard("the pipeline's Scan", func() error {
		var err error
		n, err = v.warmScan(ctx, sk)
		return err
	})
	return n, err
}

func (v *View[K, V]) warmScan(ctx context.Context, sk *skips) (int, error) {
	p := v.c.pst
	report := func(err error) { p.errs.Add(1); p.report(err) }
	n := 0
	for r, err := range p.pipe.Scan(ctx, v.b.name) {
		if err != nil {
			if store.IsRecordError(err) {
				sk.add(report, p.recordError(v.b.name, nil, err))
				continue
			}
			return n, &PersistError{Op: "scan", Bucket: v.b.name, Err: err}
		}
		_, _, stored, err := v.rehydrate(r, true)
		if err != nil {
			var pe *PersistError
			if errors.As(err, &pe) && pe.Op == "decode" {
				sk.add(report, p.recordError(v.b.name, r.Key, pe.Err))
				continue
			}
			return n, err
		}
		if stored {
			n++
		}
	}
	return n, nil
}

// WarmAll loads every persisted bucket from the backend, as View.Warm does,
// and returns the total stored: the default bucket, those in
// Options.Buckets and those created since, and every bucket the backend
// lists (store.BucketLister) that the store has not declared, which it
// creates with the store's defaults. A bucket whose persistence is
// PersistNone is left alone. Unreadable records are skipped and reported
// as View.Warm does, in one [*SkippedError] for all buckets; a failure
// stops Warm.
func (s *Store[K, V]) WarmAll(ctx context.Context) (int, error) {
	if s.c.pst == nil {
		return 0, ErrNotPersisted
	}
	bs, listErr := s.c.persistedBuckets(ctx)
	var failed *PersistError
	if errors.As(listErr, &failed) {
		return 0, listErr // the backend could not list its buckets
	}
	sk := skips{op: "warm"}
	total := 0
	for _, b := range bs {
		n, err := (&View[K, V]{c: s.c, b: b}).warm(ctx, &sk)
		total += n
		if err != nil {
			return total, sk.err(total, errors.Join(err, listErr))
		}
	}
	// listErr, if any, is ErrTooManyBuckets: listed buckets left out.
	return total, sk.err(total, listErr)
}
