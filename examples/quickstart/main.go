// Command quickstart shows LiveDict in one screen: a typed store with TTLs,
// a bucket with its own defaults, hooks and stats, persisted, encrypted, to
// an embedded SQLite file, and a value that survives a restart.
//
//	go -C examples run ./quickstart
//
// The database and the demo key files live in a directory of the user's
// own cache (os.UserCacheDir, so another user of the machine neither
// continues nor reads them; -dir to choose another), created 0700 and
// printed on the first line; run the program twice and the run counter
// keeps counting. Real programs load their keys with
// crypto.KeyFromEnv or crypto.KeyFromFile from a secret store: writing a
// key next to the data, as this demo does, protects nothing.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/sqlite"
)

type session struct {
	User   string
	Roles  []string
	Visits int
}

func main() {
	dir := flag.String("dir", defaultDir(), "where the database and the demo keys live")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	fmt.Println("data and demo keys in", *dir)
	ring, nameKey := demoKeys(*dir)
	ctx := context.Background()

	open := func() *livedict.Store[string, session] {
		db, err := sqlite.Open(filepath.Join(*dir, "quickstart.db"), nil)
		if err != nil {
			log.Fatal(err)
		}
		s, err := livedict.New(&livedict.Options[string, session]{
			DefaultTTL: time.Hour,
			MaxKeys:    10_000,
			ReadStats:  true, // count hits and misses (an atomic add per read)
			Buckets: map[string]livedict.BucketOptions{
				// Login links: short-lived and never written to disk.
				"login-links": {DefaultTTL: 200 * time.Millisecond, Persistence: livedict.PersistNone},
			},
			OnExpire: func(ev livedict.Event[string, session]) {
				fmt.Println("  expired:", ev.Bucket+"/"+ev.Key)
			},
			Persist: &livedict.Persist[string, session]{
				Backend: db, // the Store closes it
				Keyring: ring,
				NameKey: nameKey,
				Mode:    livedict.WriteBehind, // Set does not wait for the backend; Flush or Close makes it durable
			},
		})
		if err != nil {
			log.Fatal(err)
		}
		return s
	}

	// First life: count this run, store a session, use a short-lived link.
	store := open()
	runs, err := store.Load(ctx, "runs") // memory, then the database
	if errors.Is(err, livedict.ErrNotFound) {
		err = nil
	}
	if err != nil {
		log.Fatal(err)
	}
	runs.Visits++
	store.Set("runs", runs, livedict.NoExpiry)
	store.Set("sess-42", session{User: "alice", Roles: []string{"admin"}}, livedict.DefaultTTL)
	s, _ := store.Get("sess-42")
	ttl, _ := store.TTL("sess-42")
	fmt.Printf("sess-42 -> %s %v (expires in %v)\n", s.User, s.Roles, ttl.Round(time.Minute))

	links := store.Bucket("login-links")
	links.SetWith("bob", session{User: "bob"}, livedict.SetOptions[string, session]{Token: "xyz"})
	_, ok := links.Get("bob")
	fmt.Println("login link without token:", ok)
	_, ok = links.GetWithToken("bob", "xyz")
	fmt.Println("login link with token:   ", ok)
	fmt.Println("waiting for the link to expire...")
	time.Sleep(300 * time.Millisecond)

	st := store.Stats()
	fmt.Printf("stats: %d hits, %d misses (%d token), %d sets, %d expired, %d entries\n",
		st.Hits, st.Misses, st.TokenMisses, st.Sets, st.Expirations, st.Entries)
	if err := store.Close(); err != nil { // flushes the write-behind queue
		log.Fatal(err)
	}

	// Second life: a new Store over the same file, as after a restart.
	store = open()
	defer store.Close()
	n, err := store.WarmAll(ctx)
	if err != nil {
		log.Fatal(err)
	}
	s, ok = store.Get("sess-42")
	ttl, _ = store.TTL("sess-42")
	fmt.Printf("after a restart: warmed %d entries; sess-42 -> %s (%v, expires in %v)\n", n, s.User, ok, ttl.Round(time.Minute))
	runs, _ = store.Get("runs")
	fmt.Printf("this quick start has run %d time(s) against %s\n", runs.Visits, *dir)
}

// defaultDir is the quick start's directory in the user's cache, or, where
// the system has none, a fresh private directory.
func defaultDir() string {
	if cache, err := os.UserCacheDir(); err == nil {
		return filepath.Join(cache, "livedict-quickstart")
	}
	dir, err := os.MkdirTemp("", "livedict-quickstart-")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

// demoKeys reads the demo's sealing and naming keys from dir, creating them
// on the first run.
func demoKeys(dir string) (*crypto.Keyring, crypto.Key) {
	load := func(name string) crypto.Key {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			b := make([]byte, crypto.KeySize)
			if _, err := rand.Read(b); err != nil {
				log.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(hex.EncodeToString(b)), 0o600); err != nil {
				log.Fatal(err)
			}
		}
		k, err := crypto.KeyFromFile(path)
		if err != nil {
			log.Fatal(err)
		}
		return k
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, load("seal.key"))
	if err != nil {
		log.Fatal(err)
	}
	return ring, load("name.key")
}
