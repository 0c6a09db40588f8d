package redis

import (
	"crypto/tls"
	"fmt"
	"math"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Defaults of [Options].
const (
	DefaultPrefix    = "livedict"
	DefaultTimeout   = time.Second
	DefaultScanCount = 128
	// DefaultMaxValueSize is the default of Options.MaxValueSize: 64 MiB.
	DefaultMaxValueSize = 64 << 20
	defaultAddr         = "127.0.0.1:6379"
)

// Upper bounds of numeric settings, in [Options] and in URLs. Larger values
// give an error naming the setting rather than a panic or an exhausted
// memory inside go-redis (a pool of 2^40 connections is allocated up
// front).
const (
	// MaxPoolSize bounds PoolSize and go-redis's connection counts
	// (pool_size, min_idle_conns, max_idle_conns, max_active_conns, ...):
	// far more connections than a Redis server accepts by default (10000).
	MaxPoolSize = 1 << 16
	// MaxScanCount bounds ScanCount: a page of names and its pipeline of
	// GETs must fit in [MaxReplyElements].
	MaxScanCount = 1 << 16
	// MaxDB bounds DB; Redis numbers databases with an int.
	MaxDB = math.MaxInt32
	// MaxValueSizeLimit bounds Options.MaxValueSize: Redis itself refuses
	// strings past 512 MiB by default (proto-max-bulk-len) and past 4 GiB
	// whatever its configuration.
	MaxValueSizeLimit = 4 << 30
)

// Options configure [Open]. The zero Options connect to a standalone server
// at 127.0.0.1:6379 with the defaults below.
//
// Either give connection settings (Addrs and the fields after it up to
// PoolSize), from which Open builds and later closes a go-redis client, or
// give Client, an existing client that the Store uses and never closes; not
// both.
type Options struct {
	// Addrs are host:port addresses. With one address and neither Cluster
	// nor MasterName set, it is a standalone server. Two or more addresses,
	// or Cluster set, are seed nodes of a Redis Cluster. With MasterName set
	// they are Sentinel addresses. Empty means 127.0.0.1:6379.
	Addrs []string
	// Cluster makes a single address in Addrs a cluster seed node rather
	// than a standalone server (as for a managed cluster's configuration
	// endpoint).
	Cluster bool
	// MasterName is the name of the master that the Sentinels at Addrs
	// watch. Setting it selects a Sentinel-managed (failover) client, which
	// always talks to the current master.
	MasterName string

	// DB is the database number, for standalone and Sentinel setups. A
	// cluster has only database 0.
	DB int
	// Username and Password authenticate to the Redis servers (AUTH, or ACL
	// users when Username is set). Password never appears in errors.
	Username, Password string
	// SentinelUsername and SentinelPassword authenticate to the Sentinels,
	// when they require it.
	SentinelUsername, SentinelPassword string
	// TLSConfig, when not nil, makes every connection use TLS.
	TLSConfig *tls.Config
	// PoolSize is the number of connections kept per server. Zero means
	// go-redis's default, 10 per GOMAXPROCS.
	PoolSize int

	// Client is an existing client to use instead of the settings above:
	// a *redis.Client (standalone or Sentinel), a *redis.ClusterClient or a
	// *redis.Ring of package github.com/redis/go-redis/v9. Close leaves it
	// open. Build it with ContextTimeoutEnabled: without it go-redis bounds
	// socket reads by its own ReadTimeout rather than by Timeout. Hooks
	// added to it must not keep a command's arguments after the command
	// returns: the Store reuses their memory.
	Client goredis.UniversalClient

	// Prefix starts every Redis key this Store writes, followed by ':'.
	// Stores with different prefixes never see each other's records, even
	// when one prefix extends another. Empty means "livedict". A prefix
	// holding a hash tag, such as "{app}", puts all of a store's keys in
	// one cluster slot.
	Prefix string
	// Timeout bounds each round trip to Redis (one Get, Put, Delete, Ping,
	// one pipeline of a PutBatch, one page of a Scan) when the caller's
	// context has no earlier deadline, so that a hung server fails a call
	// instead of blocking it. Zero means 1s; a negative Timeout sets no
	// deadline of the Store's own.
	Timeout time.Duration
	// ScanCount is the COUNT hint of each SCAN and so the size of the
	// batches in which Scan fetches values. Zero means 128; at most
	// [MaxScanCount].
	ScanCount int
	// MaxValueSize is the longest record value, in bytes, that Put and
	// PutBatch store (a longer one gives an error matching [ErrTooLarge])
	// and so the longest bulk reply, less the 9-byte header, that the
	// Store's connections accept: a longer reply fails with [ErrBadReply]
	// before go-redis allocates for it. Zero means [DefaultMaxValueSize];
	// at most [MaxValueSizeLimit]. With Options.Client it bounds Put only,
	// unless that client dials through [LimitReplies].
	MaxValueSize int64
}

// connSet reports whether any connection setting is given.
func (o *Options) connSet() bool {
	return len(o.Addrs) > 0 || o.Cluster || o.MasterName != "" || o.DB != 0 ||
		o.Username != "" || o.Password != "" || o.SentinelUsername != "" ||
		o.SentinelPassword != "" || o.TLSConfig != nil || o.PoolSize != 0
}

// validate checks o and returns an error matching ErrInvalidOptions.
func (o *Options) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	switch {
	case o.Client != nil && o.connSet():
		return bad("Client is set, so Addrs, Cluster, MasterName, DB, credentials, TLSConfig and PoolSize must be left empty")
	case o.Cluster && o.MasterName != "":
		return bad("Cluster and MasterName are exclusive")
	case o.DB < 0:
		return bad("DB %d is negative", o.DB)
	case o.DB != 0 && o.MasterName == "" && (o.Cluster || len(o.Addrs) > 1):
		return bad("DB %d: a cluster has only database 0", o.DB)
	case o.DB > MaxDB:
		return bad("DB %d is more than %d", o.DB, MaxDB)
	case o.PoolSize < 0 || o.PoolSize > MaxPoolSize:
		return bad("PoolSize %d is out of range [0, %d]", o.PoolSize, MaxPoolSize)
	case o.ScanCount < 0 || o.ScanCount > MaxScanCount:
		return bad("ScanCount %d is out of range [0, %d]", o.ScanCount, MaxScanCount)
	case o.MaxValueSize < 0 || o.MaxValueSize > MaxValueSizeLimit:
		return bad("MaxValueSize %d is out of range [0, %d]", o.MaxValueSize, int64(MaxValueSizeLimit))
	}
	for _, a := range o.Addrs {
		if a == "" {
			return bad("Addrs holds an empty address")
		}
	}
	return nil
}

// newClient builds the go-redis client the settings of o describe.
func (o *Options) newClient() goredis.UniversalClient {
	addrs := o.Addrs
	if len(addrs) == 0 {
		addrs = []string{defaultAddr}
	}
	return goredis.NewUniversalClient(&goredis.UniversalOptions{
		Addrs:                 addrs,
		IsClusterMode:         o.Cluster,
		MasterName:            o.MasterName,
		DB:                    o.DB,
		Username:              o.Username,
		Password:              o.Password,
		SentinelUsername:      o.SentinelUsername,
		SentinelPassword:      o.SentinelPassword,
		TLSConfig:             o.TLSConfig,
		PoolSize:              o.PoolSize,
		ContextTimeoutEnabled: true,
		Dialer:                LimitReplies(netDialer(o.TLSConfig, 0), o.MaxValueSize),
	})
}
