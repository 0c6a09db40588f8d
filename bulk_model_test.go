package livedict_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
)

// The bulk model test drives two stores with the same seeded random
// operations in virtual time: one gets the bulk calls (SetMany, GetMany,
// GetManyInto, DeleteMany), the other a loop of the single calls they
// stand for (Set, Get, Delete), in the order of the keys. Every result,
// every hook event and, after each step, every bucket's contents, Len and
// Stats must be the same in both.
//
// One difference is allowed, and checked to be only that: when a SetMany
// runs out of room at a Reject limit, which of its new keys fit follows
// the shard order, not the order of keys. The loop then writes the keys
// the bulk call stored first and the refused ones after, and must refuse
// exactly the same ones, so the bulk call stored a set of keys that fits,
// and refused only what did not.

const bulkSeeds = 200

func TestBulkModel(t *testing.T) { runSeeds(t, bulkSeeds, runBulkModel) }

// hookLog records hook events, each as "kind bucket/key=value".
type hookLog struct {
	mu     sync.Mutex
	events []string
}

func (l *hookLog) on(kind string) func(livedict.Event[int, int]) {
	return func(ev livedict.Event[int, int]) {
		l.mu.Lock()
		defer l.mu.Unlock()
		k := kind
		if ev.Reason == livedict.ReasonExpired {
			k = "expire " + kind // on the reaper
		}
		l.events = append(l.events, fmt.Sprintf("%s %s/%d=%d", k, ev.Bucket, ev.Key, ev.Value))
	}
}

// take returns the events so far, and forgets them. The hooks of expired
// entries run on the reaper in deadline order, which ties between two
// stores' reapers do not fix, so they compare as sets; everything else
// runs on the caller's goroutine in call order.
func (l *hookLog) take() (ordered, expired []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if len(e) > 6 && e[:6] == "expire" {
			expired = append(expired, e)
		} else {
			ordered = append(ordered, e)
		}
	}
	l.events = nil
	slices.Sort(expired)
	return ordered, expired
}

func runBulkModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0xb01c))
	policy := livedict.Reject
	shards := []int{1, 2, 16}[r.IntN(3)]
	maxKeys := 0
	switch r.IntN(3) {
	case 0:
		maxKeys = 6 + r.IntN(20)
	case 1:
		// Eviction is per shard, and two stores hash differently (per-store
		// seeds): with one shard both evict the same entries.
		policy, shards, maxKeys = livedict.Evict, 1, 6+r.IntN(20)
	}
	bucketMax := 0
	if r.IntN(2) == 0 {
		bucketMax = 3 + r.IntN(8)
	}
	ring, _ := testKeys(t)
	logs := [2]*hookLog{{}, {}}
	var stores [2]*livedict.Store[int, int]
	for i := range stores {
		l := logs[i]
		s, err := livedict.New(&livedict.Options[int, int]{
			MaxKeys: maxKeys, Policy: policy, Shards: shards, ReadStats: true,
			Keyring: ring,
			Buckets: map[string]livedict.BucketOptions{
				"a": {MaxKeys: bucketMax},
				"s": {Sealed: true, DefaultTTL: 500 * time.Millisecond},
			},
			OnExpire: l.on("expire"),
			OnEvict:  l.on("evict"),
			OnDelete: l.on("delete"),
			OnAccess: l.on("access"),
			OnSet:    []func(livedict.Event[int, int]){l.on("set")},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	bulk, loop := stores[0], stores[1]
	names := []string{"", "a", "s"}
	nextVal := 0
	fail := func(step int, format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d step %d: %s", seed, step, fmt.Sprintf(format, args...))
	}
	randKeys := func() []int {
		keys := make([]int, r.IntN(12))
		for i := range keys {
			keys[i] = r.IntN(24)
		}
		return keys
	}
	randTTL := func() time.Duration {
		switch r.IntN(8) {
		case 0:
			return livedict.NoExpiry
		case 1:
			return livedict.KeepTTL
		case 2:
			return livedict.DefaultTTL
		case 3:
			return -5 // invalid
		case 4:
			return time.Duration(1+r.IntN(5)) * time.Millisecond
		default:
			return time.Duration(1+r.IntN(2000)) * time.Millisecond
		}
	}
	// kinds reduces an error to what the model compares.
	kinds := func(err error) string {
		switch {
		case err == nil:
			return "nil"
		case errors.Is(err, livedict.ErrFull):
			var fe *livedict.FullError
			errors.As(err, &fe)
			return fmt.Sprintf("full(%q,%d,%v)", fe.Bucket, fe.Limit, fe.Store)
		case errors.Is(err, livedict.ErrGuarded):
			return "guarded"
		case errors.Is(err, livedict.ErrInvalidTTL):
			return "ttl"
		}
		return "other: " + err.Error()
	}
	compare := func(step int, what string) {
		t.Helper()
		synctest.Wait() // the reapers have run the hooks handed to them
		for _, name := range names {
			a, b := maps.Collect(bulk.Bucket(name).All()), maps.Collect(loop.Bucket(name).All())
			if !maps.Equal(a, b) {
				fail(step, "%s: bucket %q holds %v after bulk calls, %v after single calls", what, name, a, b)
			}
			if la, lb := bulk.Bucket(name).Len(), loop.Bucket(name).Len(); la != lb {
				fail(step, "%s: bucket %q Len %d, want %d", what, name, la, lb)
			}
			for k := range 24 {
				da, oka := bulk.Bucket(name).TTL(k)
				db, okb := loop.Bucket(name).TTL(k)
				if da != db || oka != okb {
					fail(step, "%s: bucket %q key %d TTL %v %v, want %v %v", what, name, k, da, oka, db, okb)
				}
			}
		}
		if sa, sb := bulk.Stats(), loop.Stats(); sa != sb {
			fail(step, "%s: Stats\n%+v after bulk calls,\n%+v after single calls", what, sa, sb)
		}
		oa, ea := logs[0].take()
		ob, eb := logs[1].take()
		if !slices.Equal(oa, ob) {
			fail(step, "%s: hooks ran\n%v for the bulk call,\n%v for the loop", what, oa, ob)
		}
		if !slices.Equal(ea, eb) {
			fail(step, "%s: OnExpire ran for %v and %v", what, ea, eb)
		}
	}

	for step := range 600 {
		name := names[r.IntN(len(names))]
		vb, vl := bulk.Bucket(name), loop.Bucket(name)
		switch op := r.IntN(100); {
		case op < 30:
			keys := randKeys()
			vals := make([]int, len(keys))
			for i := range vals {
				nextVal++
				vals[i] = nextVal
			}
			ttl := randTTL()
			err := vb.SetMany(keys, vals, ttl)
			if errors.Is(err, livedict.ErrInvalidTTL) {
				for _, k := range keys {
					if e := vl.Set(k, 0, ttl); !errors.Is(e, livedict.ErrInvalidTTL) {
						fail(step, "SetMany failed with %v, Set with %v", err, e)
					}
				}
				break
			}
			got := make([]string, len(keys))
			for i := range got {
				got[i] = "nil"
			}
			var be *livedict.BulkError
			if err != nil {
				if !errors.As(err, &be) {
					fail(step, "SetMany: %v, want a *BulkError", err)
				}
				if be.Op != "SetMany" || be.Keys != len(keys) {
					fail(step, "BulkError %+v for %d keys", be, len(keys))
				}
				for j, f := range be.Failed {
					if j > 0 && f.Index <= be.Failed[j-1].Index {
						fail(step, "BulkError indexes out of order: %+v", be.Failed)
					}
					got[f.Index] = kinds(f.Err)
				}
			}
			// The loop writes what the bulk call stored, in order, then
			// what it refused for room.
			order := make([]int, 0, len(keys))
			var refused []int
			for i := range keys {
				if len(got[i]) > 4 && got[i][:4] == "full" {
					refused = append(refused, i)
				} else {
					order = append(order, i)
				}
			}
			want := make([]string, len(keys))
			for _, i := range append(order, refused...) {
				want[i] = kinds(vl.Set(keys[i], vals[i], ttl))
			}
			if !slices.Equal(got, want) {
				fail(step, "SetMany(%v, ttl %v) results %v; Set in a loop %v", keys, ttl, got, want)
			}
			if len(refused) > 0 {
				synctest.Wait()
				// The loop ran in another order: hooks compare as sets.
				oa, ea := logs[0].take()
				ob, eb := logs[1].take()
				slices.Sort(oa)
				slices.Sort(ob)
				if !slices.Equal(oa, ob) || !slices.Equal(ea, eb) {
					fail(step, "SetMany at a limit: hooks ran %v %v, loop %v %v", oa, ea, ob, eb)
				}
			}
		case op < 36:
			// Guarded entries, written the same way to both.
			nextVal++
			k, o := r.IntN(24), livedict.SetOptions[int, int]{TTL: randTTL(), Token: "tok"}
			ea, eb := vb.SetWith(k, nextVal, o), vl.SetWith(k, nextVal, o)
			if kinds(ea) != kinds(eb) {
				fail(step, "SetWith: %v and %v", ea, eb)
			}
		case op < 52:
			keys := randKeys()
			got := vb.GetMany(keys)
			want := map[int]int{}
			for _, k := range keys {
				if v, ok := vl.Get(k); ok {
					want[k] = v
				}
			}
			if len(want) == 0 && got != nil {
				fail(step, "GetMany found nothing but returned %v, want nil", got)
			}
			if !maps.Equal(got, want) {
				fail(step, "GetMany(%v) = %v; Get in a loop %v", keys, got, want)
			}
		case op < 62:
			keys := randKeys()
			values, found := make([]int, len(keys)+r.IntN(2)), make([]bool, len(keys))
			for i := range values {
				values[i] = -1 // overwritten with the zero value on a miss
			}
			n, err := vb.GetManyInto(keys, values, found)
			if err != nil {
				fail(step, "GetManyInto: %v", err)
			}
			hits := 0
			for i, k := range keys {
				v, ok := vl.Get(k)
				if ok {
					hits++
				}
				if values[i] != v || found[i] != ok {
					fail(step, "GetManyInto key %d: %d %v; Get %d %v", k, values[i], found[i], v, ok)
				}
			}
			if n != hits {
				fail(step, "GetManyInto found %d, Get in a loop %d", n, hits)
			}
		case op < 78:
			keys := randKeys()
			got := vb.DeleteMany(keys)
			want := 0
			for _, k := range keys {
				if vl.Delete(k) {
					want++
				}
			}
			if got != want {
				fail(step, "DeleteMany(%v) = %d; Delete in a loop %d", keys, got, want)
			}
		case op < 84:
			// Single calls on both, so the bulk calls meet what they leave.
			k := r.IntN(24)
			nextVal++
			ttl := randTTL()
			if ea, eb := vb.Set(k, nextVal, ttl), vl.Set(k, nextVal, ttl); kinds(ea) != kinds(eb) {
				fail(step, "Set: %v and %v", ea, eb)
			}
		default:
			time.Sleep(time.Duration(r.Int64N(int64(300 * time.Millisecond))))
			synctest.Wait()
		}
		compare(step, "after step")
	}
	time.Sleep(time.Hour)
	synctest.Wait()
	compare(-1, "at the end")
}
