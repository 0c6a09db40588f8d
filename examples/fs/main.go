// Command fs persists a store as one file per entry under a directory,
// write-behind: Close makes the writes durable.
//
//	go -C examples run ./fs
package main

import (
	"log"
	"os"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/examples/internal/demo"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
)

func main() {
	dir, err := os.MkdirTemp("", "livedict-fs-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	demo.RoundTrip("fs", func() store.Stage {
		s, err := fs.Open(dir, nil)
		if err != nil {
			log.Fatal(err)
		}
		return s
	}, livedict.WriteBehind)
}
