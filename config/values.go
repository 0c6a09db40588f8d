package config

import (
	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
)

// The words the string fields of a Config accept. An empty field means
// the default, named first in each group.
const (
	// Config.Policy.
	PolicyReject = "reject"
	PolicyEvict  = "evict"

	// Bucket.Persistence ("default" and "none" too) and Persist.Mode.
	PersistDefault      = "default"
	PersistWriteBehind  = "write-behind"
	PersistWriteThrough = "write-through"
	PersistNone         = "none"

	// Persist.WhenFull.
	WhenFullBlock = "block"
	WhenFullDrop  = "drop"
	WhenFullFail  = "fail"

	// Persist.Codec.
	CodecMsgpack = "msgpack"
	CodecJSON    = "json"
	CodecGob     = "gob"

	// Compression.Algorithm.
	CompressionNone = "none"
	CompressionS2   = "s2"
	CompressionZstd = "zstd"

	// Encryption.Algorithm.
	AlgorithmAES256GCM         = "aes-256-gcm"
	AlgorithmXChaCha20Poly1305 = "xchacha20-poly1305"
)

var policies = map[string]livedict.Policy{
	"":           livedict.Reject,
	PolicyReject: livedict.Reject,
	PolicyEvict:  livedict.Evict,
}

var bucketPersistence = map[string]livedict.Persistence{
	"":                  livedict.PersistDefault,
	PersistDefault:      livedict.PersistDefault,
	PersistNone:         livedict.PersistNone,
	PersistWriteBehind:  livedict.WriteBehind,
	PersistWriteThrough: livedict.WriteThrough,
}

// persistModes are the values of Persist.Mode; "default" is not one of
// them, since the store has nothing to default to.
var persistModes = map[string]livedict.Persistence{
	"":                  livedict.WriteBehind,
	PersistWriteBehind:  livedict.WriteBehind,
	PersistWriteThrough: livedict.WriteThrough,
	PersistNone:         livedict.PersistNone,
}

var whenFull = map[string]livedict.FullPolicy{
	"":            livedict.Block,
	WhenFullBlock: livedict.Block,
	WhenFullDrop:  livedict.Drop,
	WhenFullFail:  livedict.Fail,
}

var codecs = map[string]bool{"": true, CodecMsgpack: true, CodecJSON: true, CodecGob: true}

// compressions maps to the layer's algorithm; ok is false for none.
var compressions = map[string]struct {
	alg layer.CompressAlgorithm
	ok  bool
}{
	"":              {},
	CompressionNone: {},
	CompressionS2:   {layer.S2, true},
	CompressionZstd: {layer.Zstd, true},
}

var algorithms = map[string]crypto.Algorithm{
	"":                         crypto.AES256GCM,
	AlgorithmAES256GCM:         crypto.AES256GCM,
	AlgorithmXChaCha20Poly1305: crypto.XChaCha20Poly1305,
}
