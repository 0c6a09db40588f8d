// Package demo holds what the backend examples share: throwaway keys and a
// round trip through a persisting store, closed and reopened as after a
// restart.
package demo

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

// Keys returns a fresh keyring and naming key. They live only as long as
// the process: real programs load theirs with crypto.KeyFromEnv or
// crypto.KeyFromFile, or nothing they persisted opens after a restart.
func Keys() (*crypto.Keyring, crypto.Key) {
	seal, err := crypto.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	name, err := crypto.GenerateKey()
	if err != nil {
		log.Fatal(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, seal)
	if err != nil {
		log.Fatal(err)
	}
	return ring, name
}

// RoundTrip writes through a store over the backend that open returns,
// closes it, opens a second store over a new backend on the same storage
// and reads the values back with Load and Warm.
func RoundTrip(name string, open func() store.Stage, mode livedict.Persistence) {
	ring, nameKey := Keys()
	ctx := context.Background()
	newStore := func() *livedict.Store[string, string] {
		s, err := livedict.New(&livedict.Options[string, string]{
			Persist: &livedict.Persist[string, string]{
				Backend: open(), Keyring: ring, NameKey: nameKey, Mode: mode,
			},
		})
		if err != nil {
			log.Fatal(err)
		}
		return s
	}

	s := newStore()
	if err := s.SetContext(ctx, "greeting", "hello from "+name, livedict.NoExpiry); err != nil {
		log.Fatal(err)
	}
	if err := s.SetContext(ctx, "token", "short-lived", time.Hour); err != nil {
		log.Fatal(err)
	}
	if err := s.Close(); err != nil { // flushes what write-behind queued
		log.Fatal(err)
	}

	s = newStore()
	defer s.Close()
	v, err := s.Load(ctx, "greeting")
	fmt.Printf("%s (%v): Load(greeting) = %q, %v\n", name, mode, v, err)
	n, err := s.WarmAll(ctx)
	ttl, _ := s.TTL("token")
	fmt.Printf("%s: Warm loaded %d more, token expires in %v, err %v\n", name, n, ttl.Round(time.Minute), err)
}
