package livedict

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// Rotate re-seals under the keyring's current primary key everything the
// store holds sealed under another key, and returns how many records and
// values it re-sealed: after flushing what is queued, the values of Sealed
// buckets in memory, then every persisted record of every persisted bucket
// (the declared ones, those created since, and those the backend lists
// that were never declared). Rotation is: Keyring.Add the new key,
// Keyring.SetPrimary it (new writes use it at once), Rotate, then
// Keyring.Remove the old key. Once Rotate has returned nil, removing the
// old key leaves nothing unreadable.
//
// Rotate can be run again after an interruption: what is already under
// the primary is skipped. A persisted record it cannot re-seal (damaged,
// or sealed under a key the keyring no longer holds) is skipped and
// reported, and the others are re-sealed: Rotate then returns a
// [*SkippedError] naming each by its storage name, and the old key must
// not be removed until they are deleted or repaired. A backend failure or
// the end of ctx stops Rotate and is returned. With Persist.Plaintext
// only the values sealed in memory are re-sealed.
func (s *Store[K, V]) Rotate(ctx context.Context) (int, error) {
	if s.c.pst == nil {
		if s.c.closed.Load() {
			return 0, ErrClosed
		}
		return s.c.resealMemory(), nil // a memory-only store with Sealed buckets
	}
	if err := s.Flush(ctx); err != nil {
		return 0, err
	}
	c := s.c
	p := c.pst
	total := c.resealMemory()
	enc, ok := store.As[*layer.EncryptStage](p.pipe)
	if !ok {
		return total, nil
	}
	bs, listErr := c.persistedBuckets(ctx)
	var failed *PersistError
	if errors.As(listErr, &failed) {
		return total, listErr // the backend could not list its buckets
	}
	// Any other listErr is ErrTooManyBuckets: listed buckets that could not
	// be registered, whose records Rotate misses. It is returned at the
	// end, so Rotate never reports nil while an old key is still needed.
	sk := skips{op: "rotate"}
	report := func(err error) { p.errs.Add(1); p.report(err) }
	for _, b := range bs {
		var n int
		err := guard("the pipeline", func() error {
			var err error
			n, err = enc.Rotate(ctx, b.name)
			return err
		})
		total += n
		records, failure := splitSkipped(b.name, err)
		for _, re := range records {
			sk.add(report, re)
		}
		if failure != nil {
			return total, sk.err(total, errors.Join(&PersistError{Op: "rotate", Bucket: b.name, Err: failure}, listErr))
		}
	}
	return total, sk.err(total, listErr)
}

// splitSkipped separates an error of EncryptStage.Rotate into the records
// it skipped and the failure that stopped it, if any.
func splitSkipped(bucket string, err error) ([]*store.RecordError, error) {
	if err == nil {
		return nil, nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var records []*store.RecordError
	var failures []error
	for _, e := range errs {
		if re := store.AsRecordError(e); re != nil {
			records = append(records, re)
		} else if store.IsRecordError(e) {
			// A backend's own corrupt-data error, which names the record
			// in its text.
			records = append(records, &store.RecordError{Bucket: bucket, Err: e})
		} else {
			failures = append(failures, e)
		}
	}
	return records, errors.Join(failures...)
}

// resealMemory re-seals, under the keyring's primary, the values of sealed
// buckets held in memory under another key, and returns how many. It
// walks the tables as All does, without a lock: an entry written
// meanwhile is sealed under the primary already, and a blob is swapped
// atomically, so a reader opens either the old blob or the new one. A
// value that does not open is left alone and reported (it is unreadable
// already).
func (c *core[K, V]) resealMemory() int {
	p := c.seal
	if p == nil {
		return 0
	}
	ring := p.keyring
	n := 0
	for i := range c.shards {
		c.shards[i].table.Load().each(func(e *entry[K, V]) bool {
			x := e.extras()
			if x == nil || x.sealed == nil {
				return true
			}
			sv := x.sealed
			old := sv.blob.Load()
			if sealedUnderKey(*old, ring.Primary()) {
				return true
			}
			bucket := c.bucketName(e.bucket())
			kb, err := p.keyCodec.EncodeKey(nil, e.key)
			if err != nil {
				return true
			}
			blob, err := ring.Reseal(nil, *old, p.binding(bucket, kb))
			if err != nil {
				p.report(&PersistError{Op: "reseal sealed value", Bucket: bucket, Err: err})
				return true
			}
			if sv.blob.CompareAndSwap(old, &blob) {
				n++
			}
			return true
		})
	}
	return n
}

// sealedUnderKey reports whether blob, a blob of package crypto, names key
// id as its sealer: its header is a version byte (1), an algorithm byte
// and the 4-byte big-endian key id. It does not authenticate the blob.
func sealedUnderKey(blob []byte, id uint32) bool {
	return len(blob) >= 6 && blob[0] == 1 && binary.BigEndian.Uint32(blob[2:6]) == id
}
