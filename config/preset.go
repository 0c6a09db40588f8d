package config

import (
	"fmt"
	"time"
)

// The names of the presets, as Preset takes them. They are those of the
// Python LiveDict's LiveDictPresetBuilder, and keep their meaning.
const (
	// PresetSimple is a memory-only store whose entries expire after 10
	// minutes unless a TTL is given, bounded to 100,000 entries, rejecting
	// writes past that. The Python original's "simple": keys expire by
	// default (default_ttl 600 s) and memory is bounded (max_total_keys
	// 100,000). Use it for a process-local cache of things that go stale.
	PresetSimple = "simple"
	// PresetBucketed is PresetSimple with buckets in use, a 5-minute
	// default TTL (the Python original's 300 s) and two example buckets
	// bounded to 20,000 entries each (the original's max_keys_per_bucket):
	// "sessions", whose entries live 30 minutes, and "cache", whose
	// entries live 5 minutes. Rename or add buckets to suit; other buckets
	// still work, with the store's settings. Policy stays reject: per-bucket
	// limits always reject, and eviction is store-wide.
	PresetBucketed = "bucketed"
	// PresetDurableSQL persists every write to SQLite before Set returns
	// (write-through), sealed with AES-256-GCM under the key in the
	// environment variable LIVEDICT_KEY (key id 1) and named under the key
	// in LIVEDICT_NAME_KEY. The database is livedict.db in the working
	// directory (sqlite:livedict.db; the Python original's
	// sqlite:///livedict.db, which the Go backend would read as an
	// absolute path). Entries expire after 10 minutes by default and the
	// store holds at most 100,000, as in the original. Use it when a
	// value must survive a crash once Set has returned. It needs the
	// store/sqlite module: import _ "github.com/livedict/livedict/store/sqlite".
	PresetDurableSQL = "durable_sql"
	// PresetHybridCacheDB keeps the 100,000 most useful entries in memory
	// (policy evict) in front of the same encrypted SQLite database, which
	// holds them all: writes reach it in the background (write-behind,
	// durable once Flush or Close returns), an evicted entry stays in the
	// database, and Load reads it back into memory (read-through). Default
	// TTL 5 minutes, as in the original's hybrid_cache_db (memory mirrored
	// to SQL, default_ttl 300 s). Set Persist.Loader on the Options to read
	// through to a source of truth as well. It needs the store/sqlite module.
	PresetHybridCacheDB = "hybrid_cache_db"
)

// Presets returns the names Preset knows, in the order above.
func Presets() []string {
	return []string{PresetSimple, PresetBucketed, PresetDurableSQL, PresetHybridCacheDB}
}

// The backend and key variables of the persisting presets.
const (
	presetBackend    = "sqlite:livedict.db"
	presetKeyEnv     = "LIVEDICT_KEY"
	presetNameKeyEnv = "LIVEDICT_NAME_KEY"
	presetMaxKeys    = 100_000
	presetBucketKeys = 20_000
)

// Preset returns the configuration a preset names (see PresetSimple and
// the others), ready to be changed, given to ApplyEnv, or opened. An
// unknown name gives an error matching ErrUnknownPreset.
func Preset(name string) (Config, error) {
	switch name {
	case PresetSimple:
		return Config{
			DefaultTTL: Duration(10 * time.Minute),
			MaxKeys:    presetMaxKeys,
			Policy:     PolicyReject,
		}, nil
	case PresetBucketed:
		return Config{
			DefaultTTL: Duration(5 * time.Minute),
			MaxKeys:    presetMaxKeys,
			Policy:     PolicyReject,
			Buckets: map[string]Bucket{
				"sessions": {DefaultTTL: Duration(30 * time.Minute), MaxKeys: presetBucketKeys},
				"cache":    {DefaultTTL: Duration(5 * time.Minute), MaxKeys: presetBucketKeys},
			},
		}, nil
	case PresetDurableSQL:
		return Config{
			DefaultTTL: Duration(10 * time.Minute),
			MaxKeys:    presetMaxKeys,
			Policy:     PolicyReject,
			Persist:    presetPersist(PersistWriteThrough),
		}, nil
	case PresetHybridCacheDB:
		return Config{
			DefaultTTL: Duration(5 * time.Minute),
			MaxKeys:    presetMaxKeys,
			Policy:     PolicyEvict,
			Persist:    presetPersist(PersistWriteBehind),
		}, nil
	}
	return Config{}, fmt.Errorf("%w %s (want one of %v)", ErrUnknownPreset, quote(name), Presets())
}

func presetPersist(mode string) *Persist {
	return &Persist{
		Backend: presetBackend,
		Encryption: Encryption{
			Keys:      []KeyRef{{ID: 1, Env: presetKeyEnv}},
			Primary:   1,
			Algorithm: AlgorithmAES256GCM,
			NameKey:   KeySource{Env: presetNameKeyEnv},
		},
		Codec: CodecMsgpack,
		Mode:  mode,
	}
}
