package snapshot

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// Records are sealed and opened by a layer.EncryptStage, the stage a
// persisting store seals its records with, over a pipe: a stage that
// hands each sealed record Put to it to the snapshot writer, and yields
// the one record the reader gives it to the EncryptStage's Scan. So a
// snapshot record is exactly the record the store's backend would hold
// (its storage name, its blob, bound to the same store, bucket and name),
// and opening one runs every check the store's reads run.
type pipe struct {
	put func(store.Record) error
	rec store.Record
}

var errPipe = errors.New("snapshot: internal pipe stage has no such operation")

func (p *pipe) Put(_ context.Context, r store.Record) error { return p.put(r) }

func (p *pipe) Get(context.Context, string, []byte) (store.Record, error) {
	return store.Record{}, errPipe
}

func (p *pipe) Delete(context.Context, string, []byte) error { return errPipe }

func (p *pipe) Scan(_ context.Context, _ string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) { yield(p.rec, nil) }
}

func (p *pipe) Close() error { return nil }

// sealer turns (bucket, key, value, expiry) into the key and value of a
// record frame.
type sealer struct {
	enc  *layer.EncryptStage // nil for plaintext
	pipe pipe
	out  store.Record
}

func newSealer(plaintext bool, ring *crypto.Keyring, nameKey crypto.Key, name string) (*sealer, error) {
	s := &sealer{}
	if plaintext {
		return s, nil
	}
	s.pipe.put = func(r store.Record) error { s.out = r; return nil }
	enc, err := layer.NewEncryptStage(&s.pipe, layer.EncryptOptions{Keyring: ring, NameKey: nameKey, Store: name})
	if err != nil {
		return nil, err
	}
	s.enc = enc
	return s, nil
}

// seal returns the frame's key and value for the record and the expiry to
// record (clamped, when sealed, to the range a blob holds). The slices are
// valid until the next call.
func (s *sealer) seal(ctx context.Context, bucket string, key, value []byte, expireAt time.Time) (k, v []byte, exp time.Time, err error) {
	if s.enc == nil {
		return key, value, expireAt, nil
	}
	// The EncryptStage's buffer is reused once Put returns, and our pipe
	// keeps the record it was given: the caller copies it out (into the
	// frame) before the next call.
	if err := s.enc.Put(ctx, store.Record{Bucket: bucket, Key: key, Value: value, ExpireAt: expireAt}); err != nil {
		return nil, nil, time.Time{}, err
	}
	return s.out.Key, s.out.Value, s.out.ExpireAt, nil
}

// open returns the encoded key and value of a record frame read from
// bucket. present is false for a record whose sealed expiry has passed.
func (s *sealer) open(ctx context.Context, bucket string, r record) (key, value []byte, exp time.Time, present bool, err error) {
	if s.enc == nil {
		return r.key, r.value, r.expireAt, !expired(r.expireAt, time.Now()), nil
	}
	s.pipe.rec = store.Record{Bucket: bucket, Key: r.key, Value: r.value, ExpireAt: r.expireAt}
	for out, err := range s.enc.Scan(ctx, bucket) {
		if err != nil {
			return nil, nil, time.Time{}, false, classifyOpen(err)
		}
		return out.Key, out.Value, out.ExpireAt, true, nil
	}
	// The EncryptStage yields nothing for a record whose sealed expiry has
	// passed.
	return nil, nil, time.Time{}, false, nil
}

// classifyOpen maps the EncryptStage's errors for a record that does not
// open onto the package's sentinels.
func classifyOpen(err error) error {
	switch {
	case errors.Is(err, crypto.ErrUnknownKey):
		return fmt.Errorf("%w: a record is sealed under a key the keyring lacks: %w", ErrWrongKey, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

func expired(t, now time.Time) bool { return !t.IsZero() && !t.After(now) }
