// Package redis is a LiveDict backend kept in Redis: a standalone server, a
// Redis Cluster, or a Sentinel-managed master, through go-redis v9's
// UniversalClient.
//
// A [Store] implements [store.Stage] and the capabilities
// [store.BatchPutter] (pipelines), [store.NativeTTL] (Redis expires keys
// itself) and [store.Pinger]. Open one with [Open] and [Options], with
// [OpenURL], or with store.Open once this package is imported:
//
//	import _ "github.com/livedict/livedict/store/redis"
//
//	s, err := store.Open(ctx, "redis://127.0.0.1:6379/0?prefix=myapp")
//
// Neither Open nor OpenURL contacts the server; go-redis connects on first
// use and reconnects by itself. Call [Store.Ping] to check the server.
//
// # URLs
//
//	redis://[user:password@]host[:port][/db][?params]
//	rediss://...                                    (the same, over TLS)
//	redis+cluster://[user:password@]h1:7000,h2:7001,h3:7002[?params]
//	redis+sentinel://[user:password@]s1:26379,s2:26379[/db]?master=mymaster[&params]
//
// The default port is 6379, or 26379 for Sentinels. In a comma-separated
// host list the last host must have its port (net/url requires it); more
// addresses, IPv6 ones included, can be given as addr=host:port
// parameters. The user info authenticates to Redis itself, also for
// Sentinel URLs (Sentinels that need credentials of their own are set with
// [Options]). Parameters of this package:
//
//	prefix=NAME      the key prefix ([Options].Prefix; default livedict)
//	timeout=DUR      the per-call deadline, a Go duration ([Options].Timeout;
//	                 default 1s; 0 or negative for none)
//	scan_count=N     the SCAN COUNT hint ([Options].ScanCount; default 128,
//	                 at most 65536)
//	max_value_size=N the longest value in bytes ([Options].MaxValueSize;
//	                 default 64 MiB, at most 4 GiB)
//	master=NAME      redis+sentinel only, required: the master's name
//	tls=true         redis+cluster and redis+sentinel only: use TLS
//
// Every other parameter goes to go-redis's own URL parser for the scheme
// (redis.ParseURL, ParseClusterURL or ParseFailoverURL): dial_timeout,
// read_timeout, pool_size, max_retries, client_name, ... go-redis checks
// none of their ranges, so this package does first: connection counts
// (pool_size, min_idle_conns, max_idle_conns, max_active_conns,
// max_concurrent_dials, pipeline_pool_size) at most [MaxPoolSize], buffer
// sizes at most 64 MiB, max_retries and max_redirects from -1 to 1000, db
// at most [MaxDB], protocol at most 3, durations in whole seconds no more
// than a time.Duration holds. An unknown parameter, a bad or out-of-range
// value (the error names it), a path on a cluster URL or several hosts on a
// redis:// URL give an error matching [ErrInvalidURL]; errors never quote
// the password.
//
// # Keys and values in Redis
//
// A record is one Redis string. Its key is
//
//	<prefix>:<base64url(bucket)>:<base64url(key)>
//
// with unpadded base64url (RFC 4648 §5, alphabet A-Z a-z 0-9 - _), so
// "livedict:YQ:Ong" holds bucket "a", key ":x", and bucket "" key "k" is
// "livedict::aw". The encoded parts hold no ':' and none of the characters
// that SCAN MATCH gives a meaning to, so every bucket name (with ':', '*',
// '?', '[' or any byte) and every key stay apart, a bucket's keys are found
// by one MATCH pattern (the prefix is escaped), and no hash tags are used:
// in a cluster a bucket's keys spread over every slot. A prefix may carry a
// hash tag ("{app}") to keep a store in one slot instead.
//
// Its value is a 9-byte header and the record's value: a version byte (1)
// and ExpireAt as big-endian Unix milliseconds (0 for none). A Put with
// ExpireAt is SET key value PXAT <ms>, so Redis removes the key at that
// instant; a Put without ExpireAt is a plain SET, which also removes an
// earlier TTL (no KEEPTTL); a Put whose ExpireAt has passed is a DEL, so the
// old record is gone at once. Keeping the expiry in the value as well lets
// Get answer with one GET and return ExpireAt, and lets Get and Scan
// compare it with this machine's clock, so an expired record is never
// returned even when the server's clock lags or it has not yet removed the
// key. ExpireAt is kept to the millisecond, truncated: a record may vanish
// up to 1 ms before its ExpireAt, never after. (A server clock ahead of
// this machine's makes Redis remove records early by the difference.)
//
// # Calls
//
// Put is one SET (or DEL). PutBatch sends pipelines of up to 1024 records
// or 4 MiB; in a cluster go-redis splits each pipeline by node; it is not
// atomic. Get is one GET. Delete is DEL. Scan runs SCAN MATCH with COUNT
// [Options].ScanCount on the server, or on every master of a cluster in
// parallel, and fetches each page's values with a pipeline of GETs; keys
// that match the pattern but are not in the form above are skipped, and a
// value without a valid header ends the scan with [ErrCorrupt]. Ping pings
// the server, or every node of a cluster.
//
// Every round trip (a Put, a Get, a Delete, a Ping, one pipeline of a
// PutBatch, one page of a Scan) runs under [Options].Timeout unless the
// caller's context ends sooner, so a hung server fails the call with an
// error matching context.DeadlineExceeded rather than blocking it. A missing
// key gives store.ErrNotFound; a call after Close, or one cut short by
// Close, gives store.ErrClosed; a call whose context ends gives an error
// matching ctx.Err().
//
// # Durability
//
// Put returns when the server (the master, in a cluster or behind
// Sentinels) has acknowledged the write: the record is in the server's
// memory. Whether it survives a server crash or restart is the server's
// configuration, not this package's: with appendonly yes and appendfsync
// always it is on disk when Put returns; with the default everysec up to
// about a second of writes can be lost; with persistence off (as in this
// package's tests) a restarted server is empty. Replication to replicas is
// asynchronous, so a failover can lose writes acknowledged just before it.
//
// # Limits
//
// Keys grow by a third in base64url, plus the prefix and bucket; Redis
// takes keys and values up to 512 MB each. Scan of a bucket walks the whole
// keyspace of each node (SCAN with MATCH filters after reading), so it
// costs in proportion to the database, not to the bucket, and it remembers
// the keys it has yielded (SCAN can return a key twice) until it ends, so
// its memory grows with the bucket. Records put or deleted during a Scan
// may or may not be seen, and a record whose slot a cluster moves during a
// Scan may be missed.
//
// # Hostile servers
//
// go-redis trusts the lengths in replies: a bulk header such as
// $9223372036854775806 panics its reader and *4294967296 makes it allocate
// tens of gigabytes. The clients Open and OpenURL build dial through
// [LimitReplies], which reads every reply byte before go-redis does and
// refuses, with an error matching [ErrBadReply] and a closed connection, a
// bulk string longer than Options.MaxValueSize plus its 9-byte header, more
// than [MaxReplyElements] aggregate elements open at once, nesting deeper
// than [MaxReplyDepth], a line longer than [MaxReplyLine], or bytes that
// are not RESP. Put refuses values longer than MaxValueSize with
// [ErrTooLarge], so the Store never writes what it cannot read back. Every
// method also recovers a panic inside go-redis on its own goroutine into
// an error matching ErrBadReply. What remains: a client given in
// Options.Client is bounded only if it dials through LimitReplies; a panic
// on a goroutine go-redis starts itself (a cluster pipeline runs one per
// node) cannot be recovered, which the reply limits are there to prevent;
// a slow server is bounded by Options.Timeout, not by these limits. A
// value this package did not write makes Get fail with [ErrCorrupt], and
// Scan yields it as a per-record error and goes on.
//
// # Tests
//
// The tests start real redis-server processes (and a three-master cluster
// with redis-cli), so redis-server, redis-cli and redis-benchmark must be
// installed: without them the tests fail rather than skip. Set
// LIVEDICT_REDIS_URL (or REDIS_URL) to run the standalone tests and the
// Example against an existing server instead; they keep to keys under
// unique prefixes and delete them afterwards.
package redis
