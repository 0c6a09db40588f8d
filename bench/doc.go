// Package bench compares LiveDict's in-memory store with other Go caches on
// the same workloads, side by side, in the same process.
//
// It is a separate module so that the caches it measures never become
// dependencies of LiveDict's users. The package holds the pieces the
// benchmarks share:
//
//   - [Cache], a small interface with one adapter per contender, and
//     [Contenders], the list every benchmark walks;
//   - key generation ([Keys]) and seeded Zipf traces ([Zipf], [Trace]), built
//     before the timer starts so that generating keys is never measured;
//   - [ShardMap], the floor: 64 maps behind sync.RWMutexes, no expiry, no
//     bound.
//
// The benchmarks themselves, the memory table and the hit-ratio harness are
// in the _test.go files; README.md says how to run them and how to read the
// results.
package bench
