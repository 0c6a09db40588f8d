// Package redistest runs real Redis servers for the tests of package
// store/redis and for fault tests written later: a standalone server
// ([Start]) that a test can kill, restart, freeze and thaw, and a
// three-master cluster ([StartCluster]).
//
// Servers are redis-server processes on free loopback ports, each in a
// temporary directory, without persistence (--save "" --appendonly no), so
// a killed server comes back empty. They are stopped when the test that
// started them ends (or, for [StartProcess] and [StartClusterProcess], on
// Close), and on Linux the kernel kills them if the test binary dies.
//
// redis-server (and redis-cli, for clusters) must be on PATH: a test that
// needs one fails, never skips, when it is missing, so CI cannot pass
// without running these tests. [Standalone] uses the server named by
// LIVEDICT_REDIS_URL or REDIS_URL instead when one is set, and [Prefix]
// keeps each test's keys apart there and deletes them afterwards.
package redistest
