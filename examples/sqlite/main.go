// Command sqlite persists a store to an SQLite file, write-through: each
// Set returns once the row is committed.
//
//	go -C examples run ./sqlite
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/examples/internal/demo"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/sqlite"
)

func main() {
	dir, err := os.MkdirTemp("", "livedict-sqlite-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.db")
	demo.RoundTrip("sqlite", func() store.Stage {
		db, err := sqlite.Open(path, &sqlite.Options{Synchronous: sqlite.SynchronousFull})
		if err != nil {
			log.Fatal(err)
		}
		return db
	}, livedict.WriteThrough)
}
