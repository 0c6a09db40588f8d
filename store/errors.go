package store

import "errors"

// ErrCorrupt is matched by the error a backend returns for stored data it
// cannot use: a record that fails its checks, a file or reply that is not
// what the backend wrote, or one larger than the backend's documented
// limit. Each backend's own corrupt-data sentinel also matches it, so a
// caller can test for damage without knowing the backend.
//
// An error matching ErrCorrupt concerns one record only. A backend whose
// Scan meets a damaged record yields it as a zero Record (or one with only
// Bucket set) and an error matching ErrCorrupt that names the record by its
// storage name, never by key material, and then goes on with the rest of
// the bucket. Every other error still ends the sequence.
var ErrCorrupt = errors.New("store: corrupt record")

// ErrPanicked is matched by the error a call returns when the code it ran
// (a stage further down the pipeline, an application's codec or backend)
// panicked and the panic was recovered: the layers that run the next stage
// on goroutines of their own (layer.Breaker) return it rather than let the
// panic end the process. The error names the panic value's type, never
// the value, which may hold key material.
var ErrPanicked = errors.New("store: panic recovered")
