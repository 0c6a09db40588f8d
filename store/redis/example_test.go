package redis_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

func Example() {
	serverURL, stop := exampleServer() // e.g. "redis://127.0.0.1:6379/0"
	defer stop()
	ctx := context.Background()

	s, err := redis.OpenURL(ctx, serverURL+"?prefix=example&timeout=2s")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	err = s.Put(ctx, store.Record{
		Bucket:   "sessions",
		Key:      []byte("alice"),
		Value:    []byte("token-1"),
		ExpireAt: time.Now().Add(time.Hour), // Redis removes it then (SET ... PXAT)
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := s.Get(ctx, "sessions", []byte("alice"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s=%s, expires in about %v\n", r.Key, r.Value, time.Until(r.ExpireAt).Round(time.Hour))

	if err := s.Delete(ctx, "sessions", []byte("alice")); err != nil {
		log.Fatal(err)
	}
	_, err = s.Get(ctx, "sessions", []byte("alice"))
	fmt.Println(err)
	// Output:
	// alice=token-1, expires in about 1h0m0s
	// store: not found
}

// exampleServer returns the URL of the server named by LIVEDICT_REDIS_URL
// or REDIS_URL (without its query), or starts a throwaway redis-server and
// returns its URL with a function that stops it.
func exampleServer() (string, func()) {
	for _, name := range redistest.EnvURLs {
		if u := os.Getenv(name); u != "" {
			u, _, _ = strings.Cut(u, "?")
			return u, func() {}
		}
	}
	srv, err := redistest.StartProcess()
	if err != nil {
		panic(fmt.Sprintf("Example needs a Redis server: %v", err))
	}
	return srv.URL(), func() { _ = srv.Close() }
}
