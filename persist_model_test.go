package livedict_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

// TestPersistModel drives a persisting store with random writes, deletes,
// clears, Flushes, restarts (Close, then a new Store over the same data,
// warmed) and backend faults, against a model of what was acknowledged.
// After every Flush (and Close) that returned nil, a fresh Store over the
// backend holds exactly the model; after every one that failed, the error
// accounts for what the backend lacks: either a write still being retried
// is reported, or every key the backend has wrong is counted lost in its
// bucket.
func TestPersistModel(t *testing.T) {
	seeds := 24
	if testing.Short() {
		seeds = 6
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runPersistModel(t, seed) })
	}
}

type pkey struct {
	bucket string
	key    int
}

var modelBuckets = []string{"", "a", "b"}

func runPersistModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	data := new(store.MemoryData)
	policy := []livedict.FullPolicy{livedict.Block, livedict.Drop}[seed%2]
	retries := []int{livedict.NoRetry, 1, 0}[seed%3]
	var fault error // FailAll's error while an outage lasts
	ctx := context.Background()

	open := func() (*livedict.Store[int, int], *faulty.Faulty) {
		f := faulty.Wrap(store.NewMemoryShared(data))
		s, err := livedict.New(&livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 8, WhenFull: policy, BlockTimeout: time.Millisecond,
			Retries: retries, FlushInterval: time.Hour, RetryBackoff: time.Millisecond,
			OnError: func(error) {}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range modelBuckets {
			if _, err := s.Bucket(b).Warm(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if fault != nil {
			f.FailAll(fault)
		}
		return s, f
	}
	// durable reads what the backend holds through a fresh Store.
	durable := func() map[pkey]int {
		r, err := livedict.New(&livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
			Backend: store.NewMemoryShared(data), Plaintext: true}})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got := map[pkey]int{}
		for _, b := range modelBuckets {
			v := r.Bucket(b)
			if _, err := v.Warm(ctx); err != nil {
				t.Fatal(err)
			}
			for k, val := range v.All() {
				got[pkey{b, k}] = val
			}
		}
		return got
	}
	// check compares the backend with the model after a Flush or Close
	// that returned err.
	check := func(step int, what string, err error, model map[pkey]int) {
		t.Helper()
		got := durable()
		diff := map[string]int{}
		for _, k := range slices.Collect(maps.Keys(model)) {
			if v, ok := got[k]; !ok || v != model[k] {
				diff[k.bucket]++
			}
		}
		for k := range got {
			if _, ok := model[k]; !ok {
				diff[k.bucket]++
			}
		}
		if err == nil {
			if len(diff) != 0 {
				t.Fatalf("step %d: %s returned nil but the backend differs from the model in %v", step, what, diff)
			}
			return
		}
		if len(diff) == 0 || retrying(err) {
			return
		}
		var wl *livedict.WritesLostError
		if !errors.As(err, &wl) {
			t.Fatalf("step %d: %s = %v: the backend differs in %v, and the error neither counts lost writes nor reports a write being retried", step, what, err, diff)
		}
		for b, n := range diff {
			if !wl.Overflow && wl.Buckets[b] < n {
				t.Fatalf("step %d: %s: bucket %q differs in %d keys, the error counts %d lost (%v)", step, what, b, n, wl.Buckets[b], err)
			}
		}
	}

	s, f := open()
	model := map[pkey]int{}
	for step := range 300 {
		b := modelBuckets[rng.IntN(len(modelBuckets))]
		v := s.Bucket(b)
		k := rng.IntN(24)
		switch r := rng.IntN(100); {
		case r < 50:
			val := rng.IntN(1000)
			if err := v.Set(k, val, livedict.NoExpiry); err != nil {
				t.Fatalf("step %d: Set = %v", step, err)
			}
			model[pkey{b, k}] = val
		case r < 65:
			v.Delete(k)
			delete(model, pkey{b, k})
		case r < 68:
			v.Clear()
			for mk := range model {
				if mk.bucket == b {
					delete(model, mk)
				}
			}
		case r < 80:
			check(step, "Flush", s.Flush(ctx), model)
		case r < 85:
			err := s.Close()
			check(step, "Close", err, model)
			s, f = open()
			// What the new Store holds is what the backend had.
			model = durable()
		case r < 92:
			fault = fmt.Errorf("outage at step %d", step)
			f.FailAll(fault)
		case r < 97:
			fault = nil
			f.FailAll(nil)
		default:
			f.FailNth(1+rng.IntN(3), errors.New("one failure"))
		}
		for pk, want := range model {
			if got, ok := s.Bucket(pk.bucket).Get(pk.key); !ok || got != want {
				t.Fatalf("step %d: memory has %d, %v for %v, want %d", step, got, ok, pk, want)
			}
		}
	}
	// The end: the backend is healthy and every key written again makes
	// the store whole.
	fault = nil
	f.FailAll(nil)
	f.FailNth(0, nil)
	for pk, val := range model {
		s.Bucket(pk.bucket).Set(pk.key, val, livedict.NoExpiry)
	}
	for _, b := range modelBuckets {
		for k := range 24 {
			if _, ok := model[pkey{b, k}]; !ok {
				s.Bucket(b).Delete(k)
			}
		}
	}
	var err error
	for range 8 { // the queue holds 8: a few Flushes may be needed under Drop
		if err = s.Flush(ctx); err == nil {
			break
		}
		for pk, val := range model {
			s.Bucket(pk.bucket).Set(pk.key, val, livedict.NoExpiry)
			s.Flush(ctx)
		}
		for _, b := range modelBuckets {
			for k := range 24 {
				if _, ok := model[pkey{b, k}]; !ok {
					s.Bucket(b).Delete(k)
					s.Flush(ctx)
				}
			}
		}
	}
	check(-1, "final Flush", err, model)
	if err != nil {
		t.Fatalf("final Flush after rewriting everything = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("final Close = %v", err)
	}
}

// retrying reports whether err includes a failure other than the lost
// writes: a write or clear that failed and is still queued for a retry.
func retrying(err error) bool {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		var wl *livedict.WritesLostError
		return !errors.As(err, &wl) || err != error(wl)
	}
	for _, e := range j.Unwrap() {
		if _, lost := e.(*livedict.WritesLostError); !lost {
			return true
		}
	}
	return false
}

// TestPersistDeleteAfterClearOfAnotherBucket: a write still being retried
// when another bucket is cleared, then a delete of its key, and a Flush
// that returns nil: the backend holds no record of the key. The delete
// and the retried put must coalesce into one op: in one batch, the delete
// would be written before the put (persist_io.go) and the older value
// would come back.
func TestPersistDeleteAfterClearOfAnotherBucket(t *testing.T) {
	ctx := context.Background()
	data := new(store.MemoryData)
	f := faulty.Wrap(store.NewMemoryShared(data))
	// QueueSize keeps the flusher asleep: it drains at a quarter of the
	// bound, or after FlushInterval.
	s, err := livedict.New(&livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
		Backend: f, Plaintext: true, QueueSize: 1024, Retries: 1,
		FlushInterval: time.Hour, RetryBackoff: time.Hour, OnError: func(error) {}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bucket("").Set(1, 10, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	f.FailAll(errors.New("outage"))
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush during an outage = nil")
	}
	f.FailAll(nil) // the put is queued for its retry
	s.Bucket("a").Clear()
	s.Bucket("").Delete(1)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := livedict.New(&livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
		Backend: store.NewMemoryShared(data), Plaintext: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if v, err := r.Bucket("").Load(ctx, 1); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("the backend holds %d (%v) for a key deleted before a nil Flush", v, err)
	}
}
