// Livedict is the command-line tool for operating LiveDict stores: it
// writes their configuration, reads and writes entries, rotates their
// encryption keys, exports and imports records, writes and restores
// sealed snapshots, and measures throughput.
//
// Usage:
//
//	livedict [global flags] COMMAND [flags] [arguments]
//
// The commands are init, config, get, set, del, keys, stats, rotate-key,
// export, import, snapshot, restore, bench and help; docs/cli.md
// describes each with examples, and "livedict help" and "livedict COMMAND
// --help" print the same.
//
// # Options
//
// Every command takes the global flags --config (the configuration file,
// default livedict.yaml or $LIVEDICT_CONFIG), --bucket and --key-type
// (string or int: how the store's keys are encoded). The configuration is
// read with package config, and LIVEDICT_ environment variables override
// it (config.ApplyEnvOptions): a near miss of a setting is a
// configuration error, any other unknown LIVEDICT_ variable a warning on
// stderr, or an error with LIVEDICT_STRICT_ENV=true. Keys are read from
// the environment variables or files the configuration names. Every
// backend module (sqlite, fs, badger, redis, postgres) is linked in, so every
// backend URL scheme opens.
//
// # Durability
//
// set returns once the backend holds the value: write-behind buckets are
// flushed before the command exits. import writes through the pipeline
// (or, with --sealed, to the backend) in batches, each stored as durably
// as the backend promises when its call returns. rotate-key saves the
// configuration file (atomically: temporary file, fsync, rename) before it
// reseals anything, so an interrupted rotation is finished by running it
// again; resealing never loses a record, since each is rewritten in place
// and one already under the primary key is skipped. Key files are written
// with mode 0600, synced, and never overwritten.
//
// # Limits
//
// Backends cannot list their buckets: commands that cover the whole store
// (stats, rotate-key, export, snapshot) visit the default bucket, the
// buckets the configuration declares and those named with --bucket. Values are decoded
// into Go's generic types, so the gob codec, which needs the program's own
// types, is refused by the commands that decode values (sealed export and
// import work with any codec). --key-type int covers 64-bit integer keys
// (int and int64 on 64-bit platforms).
//
// # Exit codes
//
// 0 success; 1 runtime error; 2 usage error; 3 configuration error
// (missing or invalid file, bad LIVEDICT_ variable, unreadable key,
// backend scheme not linked in); 4 get found no live value; 5 keys or
// export completed but skipped unreadable records. Every error
// is printed as one line, "livedict: COMMAND: message", on stderr, and no
// output holds key material.
package main
