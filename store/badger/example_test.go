package badger_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

func Example() {
	dir, err := os.MkdirTemp("", "livedict-badger-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// nil options: every write synced before it returns, GC every 5 minutes.
	s, err := badger.Open(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	err = s.Put(ctx, store.Record{
		Bucket:   "sessions",
		Key:      []byte("alice"),
		Value:    []byte("token-1"),
		ExpireAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}

	// Reopening sees what was written, expiry included.
	s, err = badger.OpenURL(ctx, "badger://"+dir+"?gc=0")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	r, err := s.Get(ctx, "sessions", []byte("alice"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s = %s, expires in about %v\n", r.Key, r.Value, time.Until(r.ExpireAt).Round(time.Hour))
	// Output: alice = token-1, expires in about 1h0m0s
}
