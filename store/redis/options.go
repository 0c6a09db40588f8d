package redis

import (
	"crypto/tls"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Defaults of [Options].
const (
	DefaultPrefix    = "livedict"
	DefaultTimeout   = time.Second
	DefaultScanCount = 128
	defaultAddr      = "127.0.0.1:6379"
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
	// batches in which Scan fetches values. Zero means 128.
	ScanCount int
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
	case o.PoolSize < 0:
		return bad("PoolSize %d is negative", o.PoolSize)
	case o.ScanCount < 0:
		return bad("ScanCount %d is negative", o.ScanCount)
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
	})
}
