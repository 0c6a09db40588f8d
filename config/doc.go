// Package config describes a LiveDict store in data — JSON, YAML or
// LIVEDICT_ environment variables — and opens it.
//
// A [Config] holds every setting of a livedict.Store that can be set
// without code: default TTL, shards, key limit and policy, buckets, and
// persistence (backend URL, encryption keys, compression, codec,
// write-behind or write-through, queue, retries, timeouts, circuit
// breaker). Hooks, a Options.Loader and custom layers are code; set them
// on the livedict.Options that [Options] returns. docs/configuration.md
// lists every field with its environment variable, its default and its
// value in each preset.
//
// # Loading
//
// [FromJSON], [FromYAML] and [LoadFile] (by extension) decode a
// configuration; [FromEnv] builds one from LIVEDICT_ variables and
// [ApplyEnv] lays them over one loaded before. All of them are strict:
// an unknown field, an unknown LIVEDICT_ variable (a misspelling must not
// silently leave a default in place) or a value of the wrong type is an
// error matching [ErrInvalidConfig]. Durations are Go duration strings
// ("30s", "5m", "1h30m"); see [Duration]. Loaders read at most
// [MaxInputSize] bytes and never panic, whatever the input (they are
// fuzzed).
//
// # Validation
//
// [Config.Validate] reports every bad field at once, each with its path,
// such as "buckets.sessions.max_keys: must be >= 0, got -1", in a
// [*ValidationError]. Loaders do not validate, so that a file can be
// completed by the environment; [Options], [Open] and [Builder.Build] do.
//
// # Presets and the builder
//
// [Preset] returns the configurations of the Python LiveDict's presets —
// "simple", "bucketed", "durable_sql" and "hybrid_cache_db" — with the
// same meaning (see [PresetSimple] and the others). [New] starts a
// [Builder] for code that prefers calls to a literal.
//
// # Opening
//
// [Options] reads the keys, opens the backend through store.Open and
// returns livedict.Options; [Open] goes on to livedict.New. The backend's
// module must be imported by the application (for example
// import _ "github.com/livedict/livedict/store/sqlite"); without it the
// error matches store.ErrUnknownScheme and names the module. "mem://"
// needs no import.
//
// # Durability
//
// A configuration only chooses; livedict keeps the promise. With
// persist.mode "write-through" a value is durable when Set returns nil;
// with "write-behind" (the default) once Store.Flush or Store.Close
// returns nil. Memory stays authoritative either way.
//
// # Limits
//
// Inputs are capped at MaxInputSize. Environment variables address only
// buckets whose names are letters, digits and "_" (other buckets are
// configured in a file). Key sources name environment variables or files;
// they are read once, when the store is opened.
//
// # Secrets
//
// Keys are named, not written: each key of the keyring and the name key
// come from an environment variable or a file, read when the store is
// opened. Key material written in the configuration itself is refused
// unless Encryption.AllowInlineSecrets is set. No error and no String
// method of this package shows key material ([Secret] prints as
// "[redacted]") or the password of a backend URL. Persisting without
// encryption must be asked for with Encryption.Plaintext.
package config
