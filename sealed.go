package livedict

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
)

// Sealed buckets (BucketOptions.Sealed) keep each value encoded and sealed
// with Persist.Keyring in memory, in the entry's extra, and open it on
// every read. The entry's own value field stays the zero V, so a memory
// dump of the process shows only ciphertext for those values (the keys
// are in clear; see docs/security.md).

// sealer seals and opens the values of Sealed buckets. It needs a keyring
// and codecs only, no backend: it takes them from Options.Persist when
// the store persists with a Keyring, else from Options.Keyring.
type sealer[K comparable, V any] struct {
	keyring  *crypto.Keyring
	keyCodec codec.KeyCodec[K]
	codec    codec.Codec[V]
	name     string
	report   func(error) // counts and reports a value that does not open
}

// newSealer returns the store's sealer, or nil when it has no keyring.
func newSealer[K comparable, V any](c *core[K, V], opts *Options[K, V], pcfg *Persist[K, V]) (*sealer[K, V], error) {
	if pcfg != nil && pcfg.Keyring != nil {
		return &sealer[K, V]{keyring: pcfg.Keyring, keyCodec: pcfg.KeyCodec, codec: pcfg.Codec, name: pcfg.Name,
			report: func(err error) { c.pst.report(err) }}, nil
	}
	if opts.Keyring == nil {
		return nil, nil
	}
	kc, err := codec.KeyFor[K]()
	if err != nil {
		return nil, &OptionError{Field: "Options.Keyring", Reason: "sealing needs a key codec: " + err.Error(), Err: err}
	}
	return &sealer[K, V]{keyring: opts.Keyring, keyCodec: kc, codec: codec.Msgpack[V](), name: defaultStoreName,
		report: func(err error) { slog.Warn("livedict: sealed value", "err", err) }}, nil
}

// sealedValue holds a value sealed in memory. Rotate re-seals it under the
// keyring's new primary in place, by swapping the pointer: readers see
// either blob, and both open while the old key is in the keyring.
type sealedValue struct {
	blob   atomic.Pointer[[]byte]
	weight uint32 // the clear value's weight (Options.Weigher; weight.go)
}

func newSealedValue(blob []byte) *sealedValue {
	s := new(sealedValue)
	s.blob.Store(&blob)
	return s
}

// load returns the current blob.
func (s *sealedValue) load() []byte { return *s.blob.Load() }

// sealedSuffix makes the binding's store name for values sealed in memory, so
// that a memory blob never opens as a persisted one or the reverse.
const sealedSuffix = "/memory"

// sealValue encodes and seals v for bucket b and key.
func (p *sealer[K, V]) sealValue(b *bucketState, key K, v V) ([]byte, error) {
	kb, err := p.keyCodec.EncodeKey(nil, key)
	if err != nil {
		return nil, &PersistError{Op: "seal", Bucket: b.name, Err: err}
	}
	pt, err := p.codec.Encode(nil, v)
	if err != nil {
		return nil, &PersistError{Op: "seal", Bucket: b.name, Err: err}
	}
	blob, err := p.keyring.Seal(nil, pt, p.binding(b.name, kb), time.Time{})
	clear(pt)
	if err != nil {
		return nil, &PersistError{Op: "seal", Bucket: b.name, Err: err}
	}
	return blob, nil
}

func (p *sealer[K, V]) binding(bucket string, kb []byte) crypto.Binding {
	return crypto.Binding{Store: p.name + sealedSuffix, Bucket: bucket, Key: kb}
}

// openValue opens what sealValue sealed.
func (p *sealer[K, V]) openValue(bucket string, key K, blob []byte) (V, error) {
	var zero V
	kb, err := p.keyCodec.EncodeKey(nil, key)
	if err != nil {
		return zero, err
	}
	pt, _, _, err := p.keyring.Open(nil, blob, p.binding(bucket, kb))
	if err != nil {
		return zero, err
	}
	v, err := p.codec.Decode(pt)
	clear(pt)
	return v, err
}

// valueOf returns e's value, opening it when e is sealed. ok is false only
// when a sealed value does not open, which is reported to OnError (it
// would mean the keyring lost the key that sealed it).
func (c *core[K, V]) valueOf(e *entry[K, V]) (V, bool) {
	x := e.extras()
	if x == nil || x.sealed == nil {
		return e.value, true
	}
	bucket := c.bucketName(e.bucket())
	v, err := c.seal.openValue(bucket, e.key, x.sealed.load())
	if err != nil {
		c.seal.report(&PersistError{Op: "open sealed value", Bucket: bucket, Err: err})
		return v, false
	}
	return v, true
}
