// Command redis persists a store to Redis, write-behind, opened from a URL
// (REDIS_URL, default redis://127.0.0.1:6379/0). Records go under a prefix
// of their own and expire in Redis itself (SET ... PXAT).
//
//	go -C examples run ./redis
package main

import (
	"context"
	"log"
	"os"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/examples/internal/demo"
	"github.com/livedict/livedict/store"
	_ "github.com/livedict/livedict/store/redis" // registers redis:// with store.Open
)

func main() {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	url += "?prefix=livedict-example"
	demo.RoundTrip("redis", func() store.Stage {
		s, err := store.Open(context.Background(), url)
		if err != nil {
			log.Fatal(err)
		}
		return s
	}, livedict.WriteBehind)
}
