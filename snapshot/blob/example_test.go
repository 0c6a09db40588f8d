package blob_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/snapshot"
	"github.com/livedict/livedict/snapshot/blob"
)

// A snapshot written to an object store and restored from it. The URL
// here is a file:// one; s3://, gs:// and azblob:// URLs work the same.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "snapshots")
	defer os.RemoveAll(dir)
	url := "file://" + filepath.ToSlash(dir) + "/app.snap"

	key, _ := crypto.GenerateKey()
	nameKey, _ := crypto.GenerateKey()
	ring, _ := crypto.NewKeyring(crypto.AES256GCM, 1, key)
	opts := snapshot.Options[string, int]{Keyring: ring, NameKey: nameKey, Name: "app"}

	src, _ := livedict.New[string, int](nil)
	defer src.Close()
	src.Bucket("counters").Set("visits", 41, 24*time.Hour)
	if _, err := blob.WriteURL(ctx, url, src, opts); err != nil {
		log.Fatal(err)
	}

	dst, _ := livedict.New[string, int](nil)
	defer dst.Close()
	st, err := blob.RestoreURL(ctx, url, dst, opts)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := dst.Bucket("counters").Get("visits")
	fmt.Println(st.Restored, v)
	// Output: 1 41
}
