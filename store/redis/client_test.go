package redis_test

import (
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// A Store over a client the caller built (a plain client, or a Ring whose
// shards Scan and Ping visit one by one) works, and Close leaves that
// client open.
func TestClientOption(t *testing.T) {
	serverURL := redistest.Standalone(t)
	opts, err := goredis.ParseURL(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	opts.ContextTimeoutEnabled = true
	for name, client := range map[string]goredis.UniversalClient{
		"Client": goredis.NewClient(opts),
		"Ring": goredis.NewRing(&goredis.RingOptions{
			Addrs:                 map[string]string{"only": opts.Addr},
			DB:                    opts.DB,
			Username:              opts.Username,
			Password:              opts.Password,
			ContextTimeoutEnabled: true,
		}),
	} {
		t.Run(name, func(t *testing.T) {
			defer client.Close()
			s, err := redis.Open(&redis.Options{Client: client, Prefix: redistest.Prefix(t, serverURL), Timeout: testTimeout})
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
			if got := scanAll(t, s, "b"); len(got) != 1 || string(got["k"].Value) != "v" {
				t.Errorf("Scan = %v, want k=v", got)
			}
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping = %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := client.Ping(t.Context()).Err(); err != nil {
				t.Errorf("the caller's client after Store.Close: Ping = %v, want it still open", err)
			}
		})
	}
}
