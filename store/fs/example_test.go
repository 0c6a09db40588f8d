package fs_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
)

func Example() {
	dir, err := os.MkdirTemp("", "livedict-fs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := fs.Open(dir, &fs.Options{SweepInterval: 10 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	// Put returns once the record is on disk, fsynced.
	err = s.Put(ctx, store.Record{
		Bucket:   "sessions",
		Key:      []byte("user/42"),
		Value:    []byte("hello from disk"),
		ExpireAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := s.Get(ctx, "sessions", []byte("user/42"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s\n", r.Key, r.Value)
	// Output: user/42: hello from disk
}

// Opening by URL needs only this package imported, even blank.
func Example_url() {
	dir, err := os.MkdirTemp("", "livedict-fs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(context.Background(), "file://"+filepath.ToSlash(dir)+"?sweep=1m")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = s.Get(context.Background(), "b", []byte("missing"))
	fmt.Println(err)
	// Output: fs: get: store: not found
}
