package snapshot

import "errors"

// Sentinel errors. Match them with errors.Is; messages carry the detail
// (a frame number, a bucket name), never key material or plaintext.
var (
	// ErrCorrupt is matched by the error Restore returns for a stream
	// that is not a whole, authentic snapshot: bad magic or version, a
	// frame that fails its MAC (altered, reordered, duplicated, spliced
	// from another snapshot), a truncation anywhere, a missing or
	// miscounted trailer, bytes after the trailer, a frame longer than
	// MaxFrameSize, or a record whose blob does not open.
	ErrCorrupt = errors.New("snapshot: corrupt snapshot")
	// ErrWrongKey is matched when the keys given are not the writer's: a
	// header that does not authenticate under NameKey (this error matches
	// ErrCorrupt too, since a damaged header looks the same), or a
	// keyring that cannot open the snapshot's check blob or a record.
	ErrWrongKey = errors.New("snapshot: wrong keys for this snapshot")
	// ErrWrongStore is matched when an authentic snapshot was written for
	// another store Name than the one given.
	ErrWrongStore = errors.New("snapshot: snapshot of another store")
	// ErrPlaintext is matched when the snapshot's kind (sealed or
	// plaintext) is not the one Options ask for: a plaintext snapshot is
	// restored only with Options.Plaintext, a sealed one only without.
	ErrPlaintext = errors.New("snapshot: sealed/plaintext mismatch")
	// ErrTooLarge is matched by the error Write returns for a record whose
	// frame would exceed MaxFrameSize; nothing after it is written, and
	// the output has no trailer, so it never restores.
	ErrTooLarge = errors.New("snapshot: record too large for a frame")
)
