// Package layer builds the pipeline between LiveDict and its backend out of
// stages that each wrap the next one, the way an http middleware wraps a
// handler or a slog.Handler wraps another.
//
// # Layers and chains
//
// A [Layer] takes the next [store.Stage] and returns a Stage that does its own
// work around it. [Chain] composes layers once, at construction:
// Chain(backend, a, b) is a(b(backend)), so a write passes through a, then b,
// then reaches the backend, and a read comes back through b, then a. Nothing
// is rebuilt per call.
//
// A Stage a layer returns keeps the whole contract of package store: it
// checks that it is open and that its context is live before doing any work,
// its errors match the sentinels of package store with errors.Is, and it is
// safe for concurrent use. Package layertest checks a layer against that
// contract.
//
// # Transforms
//
// Most layers that change values (compression, encryption) need only say how
// to encode a value and how to decode it again. Such a layer is a
// [Transform], and [FromTransform] turns it into a Layer that encodes on
// every write (Put and PutBatch) and decodes on every read that carries data
// (Get and each record of Scan), so a transform can never be skipped on one
// path and applied on another. [Compress] is built this way.
//
// [Encrypt] seals keys and values with package crypto and files each record
// under a keyed hash of its key; since it changes keys as well as values it
// is a Stage of its own, [EncryptStage], with [EncryptStage.Rotate] for key
// rotation. [Log] logs every call with log/slog, and [Metrics] counts every
// call into [Counters]. docs/writing-a-layer.md shows how to write a layer.
//
// There is no write-behind layer: the Store (package livedict) is the one
// write-back queue, in front of the whole pipeline, with one durability
// contract (its Flush); a queue among the layers would acknowledge writes
// that Flush then counts as stored, so the Store refuses a stage that says
// it queues ([store.Queue]). [Breaker] gives every call a deadline and fails fast while a
// backend keeps failing. docs/layers.md says in which order to chain them.
package layer
