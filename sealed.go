package livedict

import (
	"time"

	"github.com/livedict/livedict/crypto"
)

// Sealed buckets (BucketOptions.Sealed) keep each value encoded and sealed
// with Persist.Keyring in memory, in the entry's extra, and open it on
// every read. The entry's own value field stays the zero V, so a memory
// dump of the process shows only ciphertext for those values (the keys
// are in clear; see docs/security.md).

// sealedSuffix makes the binding's store name for values sealed in memory, so
// that a memory blob never opens as a persisted one or the reverse.
const sealedSuffix = "/memory"

// sealValue encodes and seals v for bucket b and key.
func (p *persister[K, V]) sealValue(b *bucketState, key K, v V) ([]byte, error) {
	kb, err := p.cfg.KeyCodec.EncodeKey(nil, key)
	if err != nil {
		return nil, &PersistError{Op: "seal", Bucket: b.name, Err: err}
	}
	pt, err := p.cfg.Codec.Encode(nil, v)
	if err != nil {
		return nil, &PersistError{Op: "seal", Bucket: b.name, Err: err}
	}
	blob, err := p.cfg.Keyring.Seal(nil, pt, p.binding(b.name, kb), time.Time{})
	clear(pt)
	if err != nil {
		return nil, &PersistError{Op: "seal", Bucket: b.name, Err: err}
	}
	return blob, nil
}

func (p *persister[K, V]) binding(bucket string, kb []byte) crypto.Binding {
	return crypto.Binding{Store: p.cfg.Name + sealedSuffix, Bucket: bucket, Key: kb}
}

// openValue opens what sealValue sealed.
func (p *persister[K, V]) openValue(bucket string, key K, blob []byte) (V, error) {
	var zero V
	kb, err := p.cfg.KeyCodec.EncodeKey(nil, key)
	if err != nil {
		return zero, err
	}
	pt, _, _, err := p.cfg.Keyring.Open(nil, blob, p.binding(bucket, kb))
	if err != nil {
		return zero, err
	}
	v, err := p.cfg.Codec.Decode(pt)
	clear(pt)
	return v, err
}

// valueOf returns e's value, opening it when e is sealed. ok is false only
// when a sealed value does not open, which is reported to OnError (it
// would mean the keyring lost the key that sealed it).
func (c *core[K, V]) valueOf(e *entry[K, V]) (V, bool) {
	if e.extra == nil || e.extra.sealed == nil {
		return e.value, true
	}
	bucket := c.bucketName(e.bucket())
	v, err := c.pst.openValue(bucket, e.key, e.extra.sealed)
	if err != nil {
		c.pst.report(&PersistError{Op: "open sealed value", Bucket: bucket, Err: err})
		return v, false
	}
	return v, true
}
