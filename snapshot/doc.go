// Package snapshot writes a sealed, streaming snapshot of a
// [livedict.Store] (some buckets or all of them) to an io.Writer, and
// restores one into a store. Package snapshot/blob, a module of its own,
// does the same to and from object stores (file://, mem://, s3://, gs://,
// azblob://) through gocloud.dev/blob.
//
//	st, err := snapshot.Write(ctx, w, s, snapshot.Options[string, Session]{
//		Keyring: ring, NameKey: nameKey, Name: "sessions-store",
//	})
//	...
//	st, err = snapshot.Restore(ctx, r, s2, sameOptions)
//
// # What a snapshot holds
//
// Every live entry of the chosen buckets, with its absolute expiry. Keys
// and values are encoded with the Options' codecs (by default those of
// livedict.Persist: codec.KeyFor[K] and msgpack) and sealed exactly as a
// persisting store seals its records (layer.EncryptStage does both): a
// record's key is its storage name (an HMAC of bucket and key under
// NameKey) and its value a blob of package crypto bound to the store's
// Name, the bucket and that name, and to the expiry. A snapshot therefore
// opens only with the writer's keyring and NameKey, and only into a store
// of the same Name.
//
// Expired entries are neither written nor restored: Restore gives each
// entry the time its expiry leaves, and skips those whose expiry passed
// while the snapshot sat. Guarded entries (set with SetOptions.Token) are
// not written: their token is an access credential that the store does
// not hand out, and a snapshot that carried it would spread it; restore
// them from their source. Plaintext snapshots (Options.Plaintext) must be
// asked for, as Persist.Plaintext must.
//
// # Format, version 1
//
// All integers are big-endian unless called uvarints.
//
//	preamble  "LDSNAP\x00", then the version byte (1)
//	frame*    type (1 byte), body length (4 bytes, at most MaxFrameSize),
//	          body, tag (32 bytes)
//
// The frames are one header, any number of records and one trailer, in
// that order, and nothing may follow the trailer.
//
//	header  'H': mode (1 sealed, 2 plaintext), nonce (32 random bytes),
//	        created (8 bytes, Unix nanoseconds), store name (uvarint
//	        length + bytes), check blob (uvarint length + bytes; empty when
//	        plaintext), bucket count (uvarint), each bucket name (uvarint
//	        length + bytes)
//	record  'R': bucket (uvarint index into the header's list), expiry (8
//	        bytes, Unix nanoseconds, 0 for none), key (uvarint length +
//	        bytes: the storage name, or the encoded key when plaintext),
//	        value (the rest of the body: the sealed blob, or the encoded
//	        value when plaintext)
//	trailer 'T': the number of records (8 bytes)
//
// The tag of each frame is HMAC-SHA256 over the previous frame's tag (the
// 8-byte preamble for the header), the frame's type and length bytes and
// its body. The HMAC key is derived by HKDF-SHA256 from NameKey with the
// header's nonce as salt and "livedict snapshot mac v1" as info
// ([crypto.NewHMAC]), so every snapshot has a key of its own. The chain
// makes truncation (no trailer), reordering, duplication or removal of
// frames, frames spliced from another snapshot, and any altered byte
// detectable. The check blob is an empty plaintext sealed under the
// keyring's primary key for the binding (Name, "", NUL "livedict snapshot
// check v1" NUL nonce), which no record has: opening it tells a wrong
// keyring from a damaged snapshot before any record is read.
//
// A plaintext snapshot's HMAC key comes from the nonce and public
// constants: its chain detects damage, truncation and reordering, but
// anyone can recompute it, so it does not prove who wrote the snapshot.
//
// # Restoring and its errors
//
// Restore applies nothing until the whole stream has been read and
// authenticated, the trailer included; it stages the decoded entries in
// memory meanwhile (see [Restore] for why that costs little). Errors:
//
//   - [ErrCorrupt]: the stream is damaged, truncated, reordered, spliced,
//     has a frame longer than [MaxFrameSize] (never allocated: bodies are
//     read in chunks as they arrive) or bytes after its trailer.
//   - [ErrWrongKey]: NameKey or the keyring is not the writer's. A wrong
//     NameKey makes the header fail its tag, which a damaged header does
//     too, so that error matches ErrCorrupt as well.
//   - [ErrWrongStore]: the snapshot is authentic but was written for
//     another Name.
//   - [ErrPlaintext]: a plaintext snapshot restored without
//     Options.Plaintext, or the reverse.
//   - codec.ErrDecode: an authentic record does not decode with the
//     Options' codecs (another K or V than the writer's).
//   - errors of the store's own while applying, such as livedict.ErrFull.
//
// Options.DryRun does everything but apply.
package snapshot
