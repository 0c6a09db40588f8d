package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/sqlite"
)

// Example stores a record, closes the file, opens it again and reads the
// record back.
func Example() {
	dir, err := os.MkdirTemp("", "livedict-sqlite-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "live.db")
	ctx := context.Background()

	s, err := sqlite.Open(path, &sqlite.Options{Synchronous: sqlite.SynchronousFull})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = s.Put(ctx, store.Record{
		Bucket:   "sessions",
		Key:      []byte("alice"),
		Value:    []byte("token-123"),
		ExpireAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Close(); err != nil {
		fmt.Println(err)
		return
	}

	// The same file, opened by URL as store.Open would.
	s, err = sqlite.OpenURL(ctx, "sqlite://"+filepath.ToSlash(path)+"?sweep=0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	r, err := s.Get(ctx, "sessions", []byte("alice"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s = %s, expires in about %v\n", r.Key, r.Value, time.Until(r.ExpireAt).Round(time.Hour))
	// Output: alice = token-123, expires in about 1h0m0s
}
