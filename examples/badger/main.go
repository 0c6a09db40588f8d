// Command badger persists a store to a Badger directory, write-behind,
// with Badger removing expired records itself (native TTL).
//
//	go -C examples run ./badger
package main

import (
	"log"
	"os"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/examples/internal/demo"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

func main() {
	dir, err := os.MkdirTemp("", "livedict-badger-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	demo.RoundTrip("badger", func() store.Stage {
		db, err := badger.Open(dir, nil)
		if err != nil {
			log.Fatal(err)
		}
		return db
	}, livedict.WriteBehind)
}
