package backendtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
)

// The store rounds of the crash test write through a livedict Store: the
// child Sets a batch in a write-behind bucket, calls Flush, and
// acknowledges the batch only once Flush has returned. After the kill the
// parent opens a new Store over the reopened backend and Loads every
// acknowledged record. They use a bucket of their own, so the backend
// rounds' checks (every record of their bucket opens with the raw keyring)
// still hold.
const (
	storeRounds = 8
	storeBucket = "crash-store"
)

// crashStoreOf opens a write-behind, encrypted Store over the backend at
// path, with the keys given as hex.
func (c Crash) crashStoreOf(t *testing.T, path, sealHex, nameHex string, reopen bool) *livedict.Store[string, []byte] {
	t.Helper()
	open := c.Open
	if reopen && c.Reopen != nil {
		open = c.Reopen
	}
	backend, err := open(path)
	if err != nil {
		t.Fatalf("open the backend: %v", err)
	}
	nk, err := crypto.KeyFromHex(nameHex)
	if err != nil {
		t.Fatal(err)
	}
	s, err := livedict.New(&livedict.Options[string, []byte]{
		Buckets: map[string]livedict.BucketOptions{storeBucket: {}},
		Persist: &livedict.Persist[string, []byte]{
			Backend: backend, Keyring: crashKeyring(t, sealHex), NameKey: nk,
			Name: crashStore, Codec: codec.Bytes(), Mode: livedict.WriteBehind,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func crashTTL(i int) time.Duration {
	exp := crashExpiry(i)
	if exp.IsZero() {
		return livedict.NoExpiry
	}
	return time.Until(exp)
}

// storeChild is Child for a store round: Sets, Flush, then "acked".
func (c Crash) storeChild(t *testing.T, path string, round int) {
	s := c.crashStoreOf(t, path, os.Getenv(c.env("KEY")), os.Getenv(c.env("NAMEKEY")), false)
	b := s.Bucket(storeBucket)
	for n := range 100 * c.MaxAcks {
		sum := sha256.New()
		for j := range c.Batch {
			i := n*c.Batch + j
			v := crashPlaintext(round, i)
			if err := b.Set(string(crashKey(round, i)), v, crashTTL(i)); err != nil {
				t.Fatal(err)
			}
			sum.Write(v)
		}
		if err := s.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("acked %d %x\n", (n+1)*c.Batch-1, sum.Sum(nil))
	}
	_ = s.Close()
	t.Fatal("the parent never killed the writer")
}

// storeRoundsParent runs the store rounds after the backend rounds, on the
// same storage, and checks every acknowledged record of each through Load.
func (c Crash) storeRoundsParent(t *testing.T, path string, rng *rand.Rand, sealHex string) int {
	var raw [32]byte
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	nameHex := hex.EncodeToString(raw[:])
	acked := make([]int, storeRounds)
	total := 0
	for r := range storeRounds {
		round := crashRounds + r // keys distinct from the backend rounds'
		kill := 1 + rng.IntN(c.MaxAcks)
		acked[r], _ = c.runChild(t, path, sealHex, round, kill, c.env("STORE")+"=1", c.env("NAMEKEY")+"="+nameHex)
		c.checkStore(t, path, sealHex, nameHex, acked[:r+1])
		if t.Failed() {
			t.Fatalf("store round %d (killed after %d flushed batches) lost or damaged records", r, kill)
		}
		total += acked[r] + 1
	}
	return total
}

// checkStore Loads every acknowledged record of the store rounds so far
// through a new Store over the reopened backend.
func (c Crash) checkStore(t *testing.T, path, sealHex, nameHex string, acked []int) {
	t.Helper()
	s := c.crashStoreOf(t, path, sealHex, nameHex, true)
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close after the checks: %v", err)
		}
	}()
	b := s.Bucket(storeBucket)
	lost, wrong := 0, 0
	var first string
	for r, last := range acked {
		round := crashRounds + r
		for i := 0; i <= last; i++ {
			key := string(crashKey(round, i))
			v, err := b.Load(t.Context(), key)
			switch {
			case err != nil:
				lost++
				if first == "" {
					first = fmt.Sprintf("store round %d: flushed record %d: %v", r, i, err)
				}
			case string(v) != string(crashPlaintext(round, i)):
				wrong++
				if first == "" {
					first = fmt.Sprintf("store round %d: flushed record %d has the wrong value", r, i)
				}
			}
			if exp := crashExpiry(i); err == nil && !exp.IsZero() {
				if d, ok := b.Deadline(key); !ok || d.Sub(exp).Abs() > time.Millisecond {
					wrong++
					if first == "" {
						first = fmt.Sprintf("store round %d: record %d expires at %v, want %v", r, i, d, exp)
					}
				}
			}
		}
	}
	if lost+wrong > 0 {
		t.Errorf("after the kill: %d flushed records lost, %d wrong; first: %s", lost, wrong, first)
	}
}
