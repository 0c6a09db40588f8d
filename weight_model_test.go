package livedict_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
)

// The weight model drives a store with a Weigher through seeded random
// writes, overwrites, Updates, deletes, clears, bucket drops and expiries
// in virtual time, and checks after every step that Stats.Weight and each
// View.Weight equal the sums of a plain map, and that a bounded store
// (Reject, store-wide and per bucket) refuses exactly the writes that
// would take a sum past its bound. Seeds with a bound use no TTLs, so
// that which writes fit never depends on what the reaper has reached;
// seeds with TTLs check the sums after each reap. One bucket is sealed,
// whose entries' weights the store keeps apart from the (zero) value.

const (
	weightModelSeeds = 200
	weightModelOps   = 600
)

type weightModelEntry struct {
	val      string
	deadline int64 // store nanoseconds; 0 = none
}

func TestWeightModel(t *testing.T) { runSeeds(t, weightModelSeeds, runWeightModel) }

func runWeightModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x3e19))
	bounded := seed%2 == 0
	var maxStore, maxA int64
	if bounded {
		maxStore, maxA = int64(20+r.IntN(40)), int64(5+r.IntN(15))
	}
	ring, _ := testKeys(t)
	s := mustNew(t, &livedict.Options[int, string]{
		Weigher:   func(_ int, v string) uint32 { return uint32(len(v)) },
		MaxWeight: maxStore,
		Shards:    []int{1, 4, 16}[r.IntN(3)],
		Keyring:   ring,
		Buckets: map[string]livedict.BucketOptions{
			"a": {MaxWeight: maxA},
			"s": {Sealed: true},
		},
	})
	defer s.Close()
	base := time.Now()
	now := func() int64 { return int64(time.Since(base)) + tick }
	due := func(d int64) int64 { return (d + tick - 1) / tick * tick }

	names := []string{"", "a", "s"}
	views := map[string]*livedict.View[int, string]{}
	for _, b := range names {
		views[b] = s.Bucket(b)
	}
	model := map[modelKey]weightModelEntry{}
	sum := func(bucket string, all bool) int64 {
		n := int64(0)
		for k, e := range model {
			if all || k.bucket == bucket {
				n += int64(len(e.val))
			}
		}
		return n
	}
	check := func(step int, what string) {
		t.Helper()
		if got, want := s.Stats().Weight, sum("", true); got != want {
			t.Fatalf("seed %d step %d (%s): Stats.Weight %d, want %d", seed, step, what, got, want)
		}
		for _, b := range names {
			if got, want := views[b].Weight(), sum(b, false); got != want {
				t.Fatalf("seed %d step %d (%s): bucket %q weighs %d, want %d", seed, step, what, b, got, want)
			}
		}
	}
	// dropExpired forgets an entry a write finds past its deadline: the
	// store unlinks it then.
	dropExpired := func(k modelKey) {
		if e, ok := model[k]; ok && e.deadline != 0 && e.deadline <= now() {
			delete(model, k)
		}
	}
	// fits reports whether replacing k's entry (if any) by one of weight w
	// keeps every bound.
	fits := func(k modelKey, w int64) bool {
		if !bounded {
			return true
		}
		delta := w - int64(len(model[k].val))
		if delta <= 0 {
			return true
		}
		if k.bucket == "a" && sum("a", false)+delta > maxA {
			return false
		}
		return sum("", true)+delta <= maxStore
	}
	randVal := func() string { return strings.Repeat("x", r.IntN(9)) }
	randTTL := func() time.Duration {
		if bounded || r.IntN(3) == 0 {
			return livedict.NoExpiry
		}
		return time.Duration(1+r.IntN(300)) * time.Millisecond
	}

	for step := range weightModelOps {
		k := modelKey{names[r.IntN(3)], r.IntN(12)}
		v := views[k.bucket]
		what := ""
		switch op := r.IntN(100); {
		case op < 35:
			what = "Set"
			val, ttl := randVal(), randTTL()
			dropExpired(k)
			ok := fits(k, int64(len(val)))
			var err error
			if r.IntN(2) == 0 || ttl == livedict.NoExpiry {
				err = v.Set(k.key, val, ttl)
			} else {
				what = "SetUntil"
				err = v.SetUntil(k.key, val, time.Now().Add(ttl))
			}
			if errors.Is(err, livedict.ErrFull) == ok || (err != nil && !errors.Is(err, livedict.ErrFull)) {
				t.Fatalf("seed %d step %d: %s %v weight %d: err %v, want fits=%v", seed, step, what, k, len(val), err, ok)
			}
			if ok {
				d := int64(0)
				if ttl != livedict.NoExpiry {
					d = now() + int64(ttl)
				}
				model[k] = weightModelEntry{val: val, deadline: d}
			}
		case op < 50:
			what = "Update"
			val := randVal()
			dropExpired(k)
			old, present := model[k]
			ok := present && fits(k, int64(len(val)))
			_, stored, err := v.Update(k.key, livedict.KeepTTL, func(_ string, found bool) (string, bool) {
				return val, found
			})
			if stored != ok || (err != nil) != (present && !ok) {
				t.Fatalf("seed %d step %d: Update %v: stored %v, %v; want %v", seed, step, k, stored, err, ok)
			}
			if ok {
				model[k] = weightModelEntry{val: val, deadline: old.deadline}
			}
		case op < 70:
			what = "Delete"
			dropExpired(k)
			_, present := model[k]
			if got := v.Delete(k.key); got != present {
				t.Fatalf("seed %d step %d: Delete %v = %v, want %v", seed, step, k, got, present)
			}
			delete(model, k)
		case op < 73:
			what = "Clear"
			v.Clear()
			for mk := range model {
				if mk.bucket == k.bucket {
					delete(model, mk)
				}
			}
		case op < 75:
			if k.bucket == "" {
				break
			}
			what = "DropBucket"
			if err := s.DropBucket(t.Context(), k.bucket); err != nil {
				t.Fatal(err)
			}
			opts := livedict.BucketOptions{MaxWeight: maxA}
			if k.bucket == "s" {
				opts = livedict.BucketOptions{Sealed: true}
			}
			nv, err := s.DefineBucket(k.bucket, opts)
			if err != nil {
				t.Fatal(err)
			}
			views[k.bucket] = nv
			for mk := range model {
				if mk.bucket == k.bucket {
					delete(model, mk)
				}
			}
		default:
			what = "reap"
			time.Sleep(time.Duration(r.Int64N(int64(200 * time.Millisecond))))
			synctest.Wait()
			for mk, e := range model {
				if e.deadline != 0 && due(e.deadline) <= now() {
					delete(model, mk)
				}
			}
		}
		if bounded || what == "reap" {
			check(step, what)
		}
	}
	time.Sleep(time.Hour)
	synctest.Wait()
	for mk, e := range model {
		if e.deadline != 0 {
			delete(model, mk)
		}
	}
	check(-1, "end")
}
