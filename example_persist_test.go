package livedict_test

import (
	"context"
	"fmt"
	"log"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

// A store that persists, encrypted, to a backend, then a second store over
// the same storage that warms up from it. store.Memory stands in for a
// durable backend such as store/sqlite; in production the keys come from
// crypto.KeyFromEnv or crypto.KeyFromFile.
func Example_persist() {
	sealKey, _ := crypto.GenerateKey()
	nameKey, _ := crypto.GenerateKey()
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, sealKey)
	if err != nil {
		log.Fatal(err)
	}
	storage := new(store.MemoryData) // what a file or database would hold
	open := func() *livedict.Store[string, int] {
		s, err := livedict.New(&livedict.Options[string, int]{
			Persist: &livedict.Persist[string, int]{
				Backend: store.NewMemoryShared(storage),
				Keyring: ring,
				NameKey: nameKey,
				Mode:    livedict.WriteBehind,
			},
		})
		if err != nil {
			log.Fatal(err)
		}
		return s
	}

	s := open()
	s.Set("visits", 41, livedict.NoExpiry)
	s.Set("visits", 42, livedict.NoExpiry) // coalesced: one backend write
	if err := s.Flush(context.Background()); err != nil {
		log.Fatal(err) // the durability point of write-behind
	}
	s.Close()

	s = open()
	defer s.Close()
	v, err := s.Load(context.Background(), "visits") // memory, then the backend
	fmt.Println(v, err)
	n, err := s.WarmAll(context.Background())
	fmt.Println("warmed", n, err)
	// Output:
	// 42 <nil>
	// warmed 0 <nil>
}
