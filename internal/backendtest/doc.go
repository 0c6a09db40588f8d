// Package backendtest holds the tests that every file-backed backend
// (store/badger, store/fs, store/sqlite) runs the same way, so that each
// backend's own test file only says how to open it:
//
//   - [BenchmarkStoreWriteBehind], the write-behind Store benchmark;
//   - [Crash], the crash test: a child process writes sealed records and
//     acknowledges them, the parent kills it with SIGKILL at a random point,
//     reopens the store and checks every acknowledged record.
//
// It is internal to the module tree: the backend modules import it through
// their replace directive.
package backendtest
