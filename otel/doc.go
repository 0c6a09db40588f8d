// Package otel exports the counters of a livedict.Store as OpenTelemetry
// metrics (go.opentelemetry.io/otel/metric), so that any OpenTelemetry
// exporter — Prometheus, OTLP, stdout — can publish them.
//
//	reg, err := otel.Register(s, &otel.Options{Name: "sessions", MeterProvider: mp})
//	if err != nil { ... }
//	defer reg.Unregister()
//
// # Instruments
//
// Every instrument carries the attribute livedict.store (Options.Name);
// the per-bucket ones add livedict.bucket, the bucket's name ("" for the
// default bucket). No attribute ever holds a key. Counters are cumulative
// since the store was created.
//
//	livedict.hits                 counter    Get hits (only with livedict.Options.ReadStats)
//	livedict.misses               counter    Get misses (only with livedict.Options.ReadStats)
//	livedict.sets                 counter    successful writes
//	livedict.deletes              counter    entries removed by Delete
//	livedict.expirations          counter    entries removed at their deadline
//	livedict.evictions            counter    entries evicted by the Evict policy
//	livedict.rejections           counter    writes refused with ErrFull
//	livedict.entries              gauge      entries in memory, per bucket
//	livedict.weight               gauge      weight of the entries in memory (livedict.Options.Weigher), per bucket
//	livedict.persist.pending      gauge      writes queued for the backend
//	livedict.persist.persisted    counter    writes and deletes the backend acknowledged
//	livedict.persist.errors       counter    failed backend attempts
//	livedict.persist.dropped      counter    writes given up (full queue, out of retries)
//	livedict.loads                counter    Options.Loader calls
//	livedict.load.errors          counter    Options.Loader calls that returned an error
//	livedict.load.duration        histogram  seconds per Options.Loader call, per bucket
//
// The Prometheus exporter writes them as livedict_hits_total,
// livedict_entries, livedict_load_duration_seconds and so on, with the
// labels livedict_store and livedict_bucket.
//
// # Cost
//
// All instruments but the load histogram are observable: one callback,
// run when the exporter collects, reads Store.Stats, Store.LoadStats and
// the length of each bucket. Get, Set and Delete do no extra work at all,
// registered or not (the module's BenchmarkGet shows it). The histogram
// is recorded by a Store.AddLoadObserver observer once per Loader call,
// which already costs a backend or database round trip.
package otel
