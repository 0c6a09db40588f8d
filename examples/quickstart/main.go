// Command quickstart shows LiveDict's core in one screen: a typed store,
// TTLs, a bucket with its own defaults, hooks and stats.
//
//	go run ./examples/quickstart
package main

import (
	"fmt"
	"log"
	"time"

	"github.com/livedict/livedict"
)

type session struct {
	User  string
	Roles []string
}

func main() {
	expired := make(chan string, 1)
	store, err := livedict.New(&livedict.Options[string, session]{
		DefaultTTL: time.Hour,
		MaxKeys:    10_000,
		ReadStats:  true, // count hits and misses (an atomic add per read)
		Buckets: map[string]livedict.BucketOptions{
			"login-links": {DefaultTTL: 200 * time.Millisecond},
		},
		OnExpire: func(ev livedict.Event[string, session]) {
			expired <- ev.Bucket + "/" + ev.Key
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	// The default bucket: sessions live for the store's DefaultTTL.
	if err := store.Set("sess-42", session{User: "alice", Roles: []string{"admin"}}, livedict.DefaultTTL); err != nil {
		log.Fatal(err)
	}
	s, _ := store.Get("sess-42")
	ttl, _ := store.TTL("sess-42")
	fmt.Printf("sess-42 -> %s %v (expires in %v)\n", s.User, s.Roles, ttl.Round(time.Minute))

	// A bucket with a short default TTL and an access token.
	links := store.Bucket("login-links")
	links.SetWith("bob", session{User: "bob"}, livedict.SetOptions[string, session]{Token: "xyz"})
	_, ok := links.Get("bob")
	fmt.Println("login link without token:", ok)
	_, ok = links.GetWithToken("bob", "xyz")
	fmt.Println("login link with token:   ", ok)

	fmt.Println("waiting for the link to expire...")
	fmt.Println("expired:", <-expired)

	st := store.Stats()
	fmt.Printf("stats: %d hits, %d misses (%d token), %d sets, %d expired, %d entries\n",
		st.Hits, st.Misses, st.TokenMisses, st.Sets, st.Expirations, st.Entries)
}
