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

// storeChild is Child for a store round: Sets, Flush, then "acked". Before
// each "acked" line it prints "deadline <index> <Unix nanoseconds>" for
// every record of the batch that expires: the deadline the Store reports
// for it (Deadline, read right after Set), which is what it persists. The
// TTL given to Set is computed from the wall clock a moment before Set
// reads its own clock, so the deadline it lands on is only known by
// asking the Store; the parent compares the persisted expiry with it.
func (c Crash) storeChild(t *testing.T, path string, round int) {
	s := c.crashStoreOf(t, path, os.Getenv(c.env("KEY")), os.Getenv(c.env("NAMEKEY")), false)
	b := s.Bucket(storeBucket)
	for n := range 100 * c.MaxAcks {
		sum := sha256.New()
		for j := range c.Batch {
			i := n*c.Batch + j
			v := crashPlaintext(round, i)
			key := string(crashKey(round, i))
			if err := b.Set(key, v, crashTTL(i)); err != nil {
				t.Fatal(err)
			}
			if d, ok := b.Deadline(key); !ok {
				t.Fatalf("record %d: no Deadline right after Set", i)
			} else if !d.IsZero() {
				fmt.Printf("deadline %d %d\n", i, d.UnixNano())
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
	deadlines := make([]map[int]time.Time, storeRounds)
	total := 0
	for r := range storeRounds {
		round := crashRounds + r // keys distinct from the backend rounds'
		kill := 1 + rng.IntN(c.MaxAcks)
		var ch childRun
		acked[r], ch = c.runChild(t, path, sealHex, round, kill, c.env("STORE")+"=1", c.env("NAMEKEY")+"="+nameHex)
		deadlines[r] = ch.deadlines
		c.checkStore(t, path, sealHex, nameHex, acked[:r+1], deadlines[:r+1])
		if t.Failed() {
			t.Fatalf("store round %d (killed after %d flushed batches) lost or damaged records", r, kill)
		}
		total += acked[r] + 1
	}
	return total
}

// checkStore Loads every acknowledged record of the store rounds so far
// through a new Store over the reopened backend, and checks the expiry
// persisted for each (read through the Store's pipeline, so decrypted and
// by storage name) against the deadline the child's Store reported:
// equal, or equal with its sub-millisecond part dropped, as a backend may
// keep expiries to the millisecond only (store.Record.ExpireAt). Records
// without expiry must be persisted without one.
func (c Crash) checkStore(t *testing.T, path, sealHex, nameHex string, acked []int, deadlines []map[int]time.Time) {
	t.Helper()
	s := c.crashStoreOf(t, path, sealHex, nameHex, true)
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close after the checks: %v", err)
		}
	}()
	b := s.Bucket(storeBucket)
	keys, err := codec.KeyFor[string]()
	if err != nil {
		t.Fatal(err)
	}
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
			if err != nil {
				continue
			}
			want := deadlines[r][i] // zero: the record has no expiry
			if want.IsZero() != crashExpiry(i).IsZero() {
				wrong++
				if first == "" {
					first = fmt.Sprintf("store round %d: the child reported deadline %v for record %d, set to expire at %v", r, want, i, crashExpiry(i))
				}
				continue
			}
			kb, _ := keys.EncodeKey(nil, key)
			rec, err := s.Backend().Get(t.Context(), storeBucket, kb)
			if err != nil || !persistedExpiry(rec.ExpireAt, want) {
				wrong++
				if first == "" {
					first = fmt.Sprintf("store round %d: record %d persisted to expire at %v (%v), the Store reported %v", r, i, rec.ExpireAt, err, want)
				}
			}
		}
	}
	if lost+wrong > 0 {
		t.Errorf("after the kill: %d flushed records lost, %d wrong; first: %s", lost, wrong, first)
	}
}

// persistedExpiry reports whether got, an expiry read back from a backend,
// is want as the store.Record contract allows it to come back: exactly, or
// with the sub-millisecond part dropped. A zero want needs a zero got.
func persistedExpiry(got, want time.Time) bool {
	if want.IsZero() || got.IsZero() {
		return want.IsZero() && got.IsZero()
	}
	return got.Equal(want) || got.Equal(want.Truncate(time.Millisecond))
}
