package snapshot_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/snapshot"
)

// A snapshot of every bucket, written to a buffer and restored into a
// new store. The keys are the store's Persist.Keyring and NameKey in a
// real program; they are generated here.
func Example() {
	ctx := context.Background()
	key, _ := crypto.GenerateKey()
	nameKey, _ := crypto.GenerateKey()
	ring, _ := crypto.NewKeyring(crypto.AES256GCM, 1, key)
	opts := snapshot.Options[string, string]{Keyring: ring, NameKey: nameKey, Name: "app"}

	src, _ := livedict.New[string, string](nil)
	defer src.Close()
	src.Bucket("sessions").Set("ada", "logged in", time.Hour)
	src.Bucket("sessions").Set("bob", "logged in", time.Hour)
	src.Set("motd", "hello", livedict.NoExpiry)

	var buf bytes.Buffer // any io.Writer: a file, a pipe, snapshot/blob's object writer
	w, err := snapshot.Write(ctx, &buf, src, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d records of %d buckets\n", w.Records, w.Buckets)

	dst, _ := livedict.New[string, string](nil)
	defer dst.Close()
	r, err := snapshot.Restore(ctx, &buf, dst, opts)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := dst.Bucket("sessions").Get("ada")
	ttl, _ := dst.Bucket("sessions").TTL("ada")
	fmt.Printf("restored %d: ada is %q for another %v or less\n", r.Restored, v, ttl.Round(time.Hour))
	// Output:
	// wrote 3 records of 2 buckets
	// restored 3: ada is "logged in" for another 1h0m0s or less
}

// Options.OnHeader sees the header before any record is read: here a
// restore refuses snapshots older than a day.
func ExampleOptions_onHeader() {
	ctx := context.Background()
	opts := snapshot.Options[string, int]{Plaintext: true, Name: "app"}
	src, _ := livedict.New[string, int](nil)
	defer src.Close()
	src.Set("n", 1, livedict.NoExpiry)
	var buf bytes.Buffer
	if _, err := snapshot.Write(ctx, &buf, src, opts); err != nil {
		log.Fatal(err)
	}

	opts.OnHeader = func(h snapshot.Header) error {
		if time.Since(h.Created) > 24*time.Hour {
			return fmt.Errorf("snapshot of %s is too old", h.Created.Format(time.DateOnly))
		}
		fmt.Printf("snapshot of store %q, buckets %q\n", h.Name, h.Buckets)
		return nil
	}
	dst, _ := livedict.New[string, int](nil)
	defer dst.Close()
	st, err := snapshot.Restore(ctx, &buf, dst, opts)
	fmt.Println(st.Restored, err)
	// Output:
	// snapshot of store "app", buckets [""]
	// 1 <nil>
}
