package livedict_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// bulkFailures returns err's failures by index, failing the test when err
// is not a *BulkError.
func bulkFailures(t *testing.T, err error) map[int]error {
	t.Helper()
	var be *livedict.BulkError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a *BulkError", err)
	}
	out := map[int]error{}
	for _, f := range be.Failed {
		out[f.Index] = f.Err
	}
	return out
}

func TestBulkLengthMismatch(t *testing.T) {
	s := newStore(t, &livedict.Options[int, int]{})
	err := s.SetMany([]int{1, 2, 3}, []int{1, 2}, livedict.NoExpiry)
	if !errors.Is(err, livedict.ErrBulkLength) {
		t.Fatalf("SetMany with 3 keys and 2 values: %v, want ErrBulkLength", err)
	}
	if s.Len() != 0 {
		t.Fatalf("a refused SetMany stored %d entries", s.Len())
	}
	_ = s.Set(1, 10, livedict.NoExpiry)
	for _, c := range []struct {
		name          string
		values, found int
	}{{"short values", 2, 3}, {"short found", 3, 2}, {"both nil", 0, 0}} {
		t.Run(c.name, func(t *testing.T) {
			values, found := make([]int, c.values), make([]bool, c.found)
			n, err := s.GetManyInto([]int{1, 2, 3}, values, found)
			if !errors.Is(err, livedict.ErrBulkLength) || n != 0 {
				t.Fatalf("GetManyInto: %d, %v; want 0, ErrBulkLength", n, err)
			}
			if slices.Contains(found, true) || slices.Contains(values, 10) {
				t.Fatal("GetManyInto wrote to buffers it refused")
			}
		})
	}
	// Longer buffers are fine; only the first len(keys) are written.
	values, found := []int{-1, -1, -1}, []bool{true, true, true}
	if n, err := s.GetManyInto([]int{1, 2}, values, found); n != 1 || err != nil {
		t.Fatalf("GetManyInto: %d, %v; want 1, nil", n, err)
	}
	if !slices.Equal(values, []int{10, 0, -1}) || !slices.Equal(found, []bool{true, false, true}) {
		t.Fatalf("GetManyInto wrote %v %v", values, found)
	}
}

// TestSetManyWholeCallErrors: what concerns the whole call fails it with
// the single call's error, storing nothing.
func TestSetManyWholeCallErrors(t *testing.T) {
	keys, vals := []int{1, 2, 3}, []int{1, 2, 3}
	t.Run("invalid TTL", func(t *testing.T) {
		s := newStore(t, &livedict.Options[int, int]{})
		if err := s.SetMany(keys, vals, -5); !errors.Is(err, livedict.ErrInvalidTTL) {
			t.Fatalf("SetMany: %v, want ErrInvalidTTL", err)
		}
		if err := s.SetMany(keys, vals, livedict.MaxTTL+1); !errors.Is(err, livedict.ErrInvalidTTL) {
			t.Fatalf("SetMany past MaxTTL: %v, want ErrInvalidTTL", err)
		}
		if s.Len() != 0 {
			t.Fatal("stored despite the error")
		}
	})
	t.Run("bucket required", func(t *testing.T) {
		s := newStore(t, &livedict.Options[int, int]{RequireBucket: true})
		if err := s.SetMany(keys, vals, 0); !errors.Is(err, livedict.ErrBucketRequired) {
			t.Fatalf("SetMany: %v, want ErrBucketRequired", err)
		}
		if err := s.Bucket("b").SetMany(keys, vals, 0); err != nil {
			t.Fatalf("SetMany to a bucket: %v", err)
		}
	})
	t.Run("dropped bucket", func(t *testing.T) {
		s := newStore(t, &livedict.Options[int, int]{})
		v := s.Bucket("b")
		if err := s.DropBucket(context.Background(), "b"); err != nil {
			t.Fatal(err)
		}
		if err := v.SetMany(keys, vals, 0); !errors.Is(err, livedict.ErrBucketDropped) {
			t.Fatalf("SetMany: %v, want ErrBucketDropped", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		s, err := livedict.New(&livedict.Options[int, int]{})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.SetMany(keys, vals, 0)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.SetMany(keys, vals, 0); !errors.Is(err, livedict.ErrClosed) {
			t.Fatalf("SetMany: %v, want ErrClosed", err)
		}
		if _, err := s.DeleteManyContext(context.Background(), keys); !errors.Is(err, livedict.ErrClosed) {
			t.Fatalf("DeleteManyContext: %v, want ErrClosed", err)
		}
		if m := s.GetMany(keys); m != nil {
			t.Fatalf("GetMany after Close found %v", m)
		}
	})
}

// TestSetManyAtLimits: under Reject, SetMany stores what fits and reports
// each refused key with the FullError of the limit that refused it.
func TestSetManyAtLimits(t *testing.T) {
	s := newStore(t, &livedict.Options[int, int]{MaxKeys: 5, Shards: 16,
		Buckets: map[string]livedict.BucketOptions{"small": {MaxKeys: 2}}})
	if err := s.SetMany([]int{0, 1, 2}, []int{0, 1, 2}, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	keys := []int{0, 10, 11, 12, 13, 10}
	err := s.SetMany(keys, []int{100, 110, 111, 112, 113, 210}, livedict.NoExpiry)
	if !errors.Is(err, livedict.ErrFull) {
		t.Fatalf("SetMany past MaxKeys: %v, want ErrFull", err)
	}
	failed := bulkFailures(t, err)
	for i, ferr := range failed {
		var fe *livedict.FullError
		if !errors.As(ferr, &fe) || !fe.Store || fe.Limit != 5 {
			t.Fatalf("key index %d failed with %v, want the store's FullError", i, ferr)
		}
		if keys[i] == 0 {
			t.Fatal("the update of a present key was refused for room")
		}
	}
	if (failed[1] != nil) != (failed[5] != nil) {
		t.Fatal("the two writes of key 10 did not share their fate")
	}
	if want := 2 + len(failed)/3; len(failed) != want || len(failed) > 3 {
		t.Fatalf("%d keys refused, want 2 of the 4 new ones, and key 10's repeat with it if it was one", len(failed))
	}
	if got := s.Stats().Rejections; got != uint64(len(failed)) {
		t.Fatalf("Stats.Rejections %d, want %d", got, len(failed))
	}
	if s.LenAll() != 5 {
		t.Fatalf("LenAll %d, want 5", s.LenAll())
	}
	if v, _ := s.Get(0); v != 100 {
		t.Fatalf("key 0 holds %d, want 100", v)
	}
	for i, k := range keys[1:5] {
		_, ok := s.Get(k)
		if _, refused := failed[i+1]; ok == refused {
			t.Fatalf("key %d: found %v, refused %v", k, ok, refused)
		}
	}

	small := s.Bucket("small")
	s.DeleteMany([]int{0, 1, 2}) // room in the store, so the bucket's limit binds
	err = small.SetMany([]int{1, 2, 3}, []int{1, 2, 3}, livedict.NoExpiry)
	failed = bulkFailures(t, err)
	if len(failed) != 1 {
		t.Fatalf("%d of 3 keys refused in a bucket of 2, want 1", len(failed))
	}
	for _, ferr := range failed {
		var fe *livedict.FullError
		if !errors.As(ferr, &fe) || fe.Store || fe.Bucket != "small" || fe.Limit != 2 {
			t.Fatalf("refused with %v, want bucket small's FullError", ferr)
		}
	}
	if small.Len() != 2 {
		t.Fatalf("bucket Len %d, want 2", small.Len())
	}
}

// TestSetManyReapsBeforeRefusing: entries past their deadline that the
// reaper has not removed yet do not count against MaxKeys.
func TestSetManyReapsBeforeRefusing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, &livedict.Options[int, int]{MaxKeys: 4, Shards: 2})
		if err := s.SetMany(seq(0, 4), seq(0, 4), time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // due; the reaper wakes a tick later
		if err := s.SetMany(seq(10, 14), seq(10, 14), livedict.NoExpiry); err != nil {
			t.Fatalf("SetMany over expired entries: %v", err)
		}
		if s.LenAll() != 4 {
			t.Fatalf("LenAll %d, want 4", s.LenAll())
		}
	})
}

// TestBulkGuarded: a guarded entry is a miss to GetMany, refused by
// SetMany with ErrGuarded, and neither removed nor counted by DeleteMany.
func TestBulkGuarded(t *testing.T) {
	s := newStore(t, &livedict.Options[int, int]{})
	if err := s.SetWith(7, 70, livedict.SetOptions[int, int]{Token: "tok", TTL: livedict.NoExpiry}); err != nil {
		t.Fatal(err)
	}
	err := s.SetMany([]int{6, 7, 8}, []int{60, 71, 80}, livedict.NoExpiry)
	failed := bulkFailures(t, err)
	if len(failed) != 1 || !errors.Is(failed[1], livedict.ErrGuarded) || !errors.Is(err, livedict.ErrGuarded) {
		t.Fatalf("SetMany over a guarded key: %v, want ErrGuarded at index 1 only", err)
	}
	if v, ok := s.GetWithToken(7, "tok"); !ok || v != 70 {
		t.Fatalf("the guarded entry holds %d %v, want 70", v, ok)
	}
	if m := s.GetMany([]int{6, 7, 8}); !maps.Equal(m, map[int]int{6: 60, 8: 80}) {
		t.Fatalf("GetMany = %v, want the guarded key missing", m)
	}
	if st := s.Stats(); st.TokenMisses != 1 {
		t.Fatalf("TokenMisses %d, want 1", st.TokenMisses)
	}
	if n := s.DeleteMany([]int{6, 7, 8, 9}); n != 2 {
		t.Fatalf("DeleteMany removed %d, want 2", n)
	}
	if _, ok := s.GetWithToken(7, "tok"); !ok {
		t.Fatal("DeleteMany removed a guarded entry")
	}
}

// TestBulkHooksRunWithoutLocks: every hook a bulk call runs may call back
// into the store, on the same shard (there is one): a hook run under a
// shard lock would deadlock here.
func TestBulkHooksRunWithoutLocks(t *testing.T) {
	var s *livedict.Store[int, int]
	var sets, evicts, deletes, accesses atomic.Int64
	reenter := func(n *atomic.Int64) func(livedict.Event[int, int]) {
		return func(ev livedict.Event[int, int]) {
			if ev.Bucket == "side" {
				return // the side bucket's own events
			}
			n.Add(1)
			// Each takes the lock of the one shard.
			s.Bucket("side").Delete(ev.Key)
			s.Bucket("side").DeleteMany([]int{ev.Key, ev.Key + 1000})
			s.Bucket("side").GetMany([]int{ev.Key})
		}
	}
	s = newStore(t, &livedict.Options[int, int]{
		Shards: 1, MaxKeys: 32, Policy: livedict.Evict,
		OnSet:    []func(livedict.Event[int, int]){reenter(&sets)},
		OnEvict:  reenter(&evicts),
		OnDelete: reenter(&deletes),
		OnAccess: reenter(&accesses),
	})
	if err := s.SetMany(seq(0, 64), seq(0, 64), livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	found := s.GetMany(seq(0, 64))
	n := s.DeleteMany(seq(0, 64))
	if sets.Load() != 64 || evicts.Load() == 0 || len(found) == 0 || accesses.Load() != int64(len(found)) || n == 0 {
		t.Fatalf("OnSet %d (want 64), OnEvict %d, OnAccess %d (want %d), deleted %d",
			sets.Load(), evicts.Load(), accesses.Load(), len(found), n)
	}
	// OnDelete covers evictions and deletions.
	if deletes.Load() != evicts.Load()+int64(n) {
		t.Fatalf("OnDelete ran %d times for %d evictions and %d deletions", deletes.Load(), evicts.Load(), n)
	}
}

// TestSetManyWriteBehind: every key SetMany acknowledged is stored once
// Flush returns nil, as are DeleteMany's deletions, resident or not; a
// store reopened over the backend sees exactly that.
func TestSetManyWriteBehind(t *testing.T) {
	data := new(store.MemoryData)
	open := func() *livedict.Store[string, int] {
		return mustNew(t, &livedict.Options[string, int]{Shards: 16, Persist: &livedict.Persist[string, int]{
			Backend: store.NewMemoryShared(data), Plaintext: true, FlushInterval: time.Hour, OnError: func(error) {}}})
	}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	s := open()
	if err := s.SetMany(keys, seq(0, 1000), livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	// Half the deletions are of keys no longer in memory.
	s.DeleteMany(keys[:250])
	if n := s.DeleteMany(append(slices.Clone(keys[:250]), keys[250:500]...)); n != 250 {
		t.Fatalf("DeleteMany removed %d, want 250", n)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = open()
	defer s.Close()
	if n, err := s.Warm(context.Background()); n != 500 || err != nil {
		t.Fatalf("Warm: %d, %v; want 500", n, err)
	}
	got := s.GetMany(keys)
	for i, k := range keys {
		if v, ok := got[k]; ok != (i >= 500) || (ok && v != i) {
			t.Fatalf("reopened store: %s = %d %v", k, v, ok)
		}
	}
}

// TestSetManyWriteThroughFailure: in a write-through bucket the backend's
// refusal comes back per key, the values staying in memory, as
// SetContext's do; DeleteManyContext reports it the same way.
func TestSetManyWriteThroughFailure(t *testing.T) {
	f := faulty.Wrap(store.NewMemory())
	var reported atomic.Int64
	s := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
		Backend: f, Plaintext: true, Mode: livedict.WriteThrough, Retries: 0,
		OnError: func(error) { reported.Add(1) }}})
	defer s.Close()
	boom := errors.New("backend down")
	f.FailAll(boom)
	err := s.SetManyContext(context.Background(), seq(0, 8), seq(0, 8), livedict.NoExpiry)
	failed := bulkFailures(t, err)
	if len(failed) != 8 || !errors.Is(err, boom) {
		t.Fatalf("SetManyContext on a failing backend: %v, want 8 failures wrapping the backend's error", err)
	}
	var pe *livedict.PersistError
	if !errors.As(failed[3], &pe) {
		t.Fatalf("failure %v, want a *PersistError", failed[3])
	}
	if n, _ := s.GetManyInto(seq(0, 8), make([]int, 8), make([]bool, 8)); n != 8 {
		t.Fatalf("%d of 8 values in memory after a write-through failure, want all", n)
	}
	n, err := s.DeleteManyContext(context.Background(), seq(0, 4))
	if n != 4 || !errors.Is(err, boom) || len(bulkFailures(t, err)) != 4 {
		t.Fatalf("DeleteManyContext: %d, %v; want 4 removed and 4 failures", n, err)
	}
	// DeleteMany, without a context, reports the failure to OnError.
	before := reported.Load()
	if n := s.DeleteMany(seq(4, 6)); n != 2 {
		t.Fatalf("DeleteMany removed %d, want 2", n)
	}
	if reported.Load() == before {
		t.Fatal("a failed write-through DeleteMany reached no OnError")
	}
	f.FailAll(nil)
	if err := s.SetManyContext(context.Background(), seq(0, 8), seq(10, 18), livedict.NoExpiry); err != nil {
		t.Fatalf("SetManyContext on a healthy backend: %v", err)
	}
	if _, err := s.DeleteManyContext(context.Background(), seq(0, 2)); err != nil {
		t.Fatalf("DeleteManyContext on a healthy backend: %v", err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// TestSetManyQueueFull: under WhenFull Fail, the keys that get no room in
// the write-behind queue fail with ErrQueueFull and are not stored; every
// other key is, and reaches the backend by Flush. How many get room
// depends on the flusher's timing; the invariant does not.
func TestSetManyQueueFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		data := new(store.MemoryData)
		f := faulty.Wrap(store.NewMemoryShared(data))
		f.Hang()
		s := mustNew(t, &livedict.Options[int, int]{Shards: 16, Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 64, WhenFull: livedict.Fail, Timeout: time.Second,
			FlushInterval: time.Hour, OnError: func(error) {}}})
		err := s.SetMany(seq(0, 500), seq(0, 500), livedict.NoExpiry)
		if !errors.Is(err, livedict.ErrQueueFull) {
			t.Fatalf("SetMany of 500 into a queue of 64: %v, want ErrQueueFull", err)
		}
		failed := bulkFailures(t, err)
		for i := range 500 {
			_, ok := s.Get(i)
			if _, bad := failed[i]; ok == bad {
				t.Fatalf("key %d: in memory %v, failed %v", i, ok, bad)
			}
		}
		// The queue stays full (virtual time stands still, the backend
		// hangs): deletions get no room either, and remove nothing.
		var stored []int
		for i := range 500 {
			if _, bad := failed[i]; !bad {
				stored = append(stored, i)
			}
		}
		n, err := s.DeleteManyContext(context.Background(), stored)
		if n != 0 || !errors.Is(err, livedict.ErrQueueFull) || len(bulkFailures(t, err)) != len(stored) {
			t.Fatalf("DeleteManyContext of %d keys on a full queue: %d, %v; want 0 and a failure each", len(stored), n, err)
		}
		if got := s.GetMany(stored); len(got) != len(stored) {
			t.Fatalf("%d of %d keys left after deletions refused for room", len(got), len(stored))
		}
		f.Release()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s = mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
			Backend: store.NewMemoryShared(data), Plaintext: true}})
		defer s.Close()
		if n, err := s.Warm(context.Background()); n != 500-len(failed) || err != nil {
			t.Fatalf("Warm: %d, %v; want the %d acknowledged", n, err, 500-len(failed))
		}
	})
}

// TestSetManyContextEnds: under WhenFull Block, the keys that find no room
// before ctx ends fail with its error and are not stored; the rest are.
func TestSetManyContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		s := mustNew(t, &livedict.Options[int, int]{Shards: 16, Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 64, WhenFull: livedict.Block, BlockTimeout: time.Hour,
			Timeout: time.Hour, FlushInterval: time.Hour, OnError: func(error) {}}})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.SetManyContext(ctx, seq(0, 500), seq(0, 500), livedict.NoExpiry)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("SetManyContext with an ended context on a full queue: %v, want context.Canceled", err)
		}
		failed := bulkFailures(t, err)
		for i := range 500 {
			_, ok := s.Get(i)
			if ferr, bad := failed[i]; ok == bad || (bad && !errors.Is(ferr, context.Canceled)) {
				t.Fatalf("key %d: in memory %v, failed with %v", i, ok, ferr)
			}
		}
		f.Release()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}

// TestBulkConcurrent runs bulk and single calls on overlapping keys from
// several goroutines, for the race detector, checking what holds under
// every interleaving: values stay with their keys, writes fail only for
// room, and once quiet Len, All and Stats agree within MaxKeys.
func TestBulkConcurrent(t *testing.T) {
	const workers, rounds, keys, maxKeys = 4, 300, 96, 64
	for _, policy := range []livedict.Policy{livedict.Reject, livedict.Evict} {
		t.Run(policy.String(), func(t *testing.T) {
			var s *livedict.Store[int, int]
			owned := func(k, v int) bool { return v%1000 == k }
			s = newStore(t, &livedict.Options[int, int]{MaxKeys: maxKeys, Policy: policy, Shards: 4,
				OnSet: []func(livedict.Event[int, int]){func(ev livedict.Event[int, int]) {
					if !owned(ev.Key, ev.Value) {
						t.Errorf("OnSet: key %d value %d", ev.Key, ev.Value)
					}
				}},
			})
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					ks := make([]int, 16)
					vs := make([]int, 16)
					got, found := make([]int, 16), make([]bool, 16)
					for r := range rounds {
						for i := range ks {
							ks[i] = (w*7 + r*5 + i*11) % keys
							vs[i] = (r+1)*1000 + ks[i]
						}
						switch r % 4 {
						case 0:
							if err := s.SetMany(ks, vs, time.Duration(1+r%3)*time.Millisecond); err != nil {
								for _, f := range bulkFailures(t, err) {
									if !errors.Is(f, livedict.ErrFull) || policy == livedict.Evict {
										t.Errorf("SetMany failure %v under %v", f, policy)
									}
								}
							}
						case 1:
							for k, v := range s.GetMany(ks) {
								if !owned(k, v) {
									t.Errorf("GetMany: key %d value %d", k, v)
								}
							}
						case 2:
							if _, err := s.GetManyInto(ks, got, found); err != nil {
								t.Error(err)
							}
							for i := range ks {
								if found[i] && !owned(ks[i], got[i]) {
									t.Errorf("GetManyInto: key %d value %d", ks[i], got[i])
								}
							}
							_ = s.Set(ks[0], vs[0], livedict.NoExpiry)
						default:
							s.DeleteMany(ks[:8])
						}
					}
				})
			}
			wg.Wait()
			// Quiet: make what is left permanent, then everything agrees.
			for k := range keys {
				s.Touch(k, livedict.NoExpiry)
			}
			all := maps.Collect(s.All())
			for k, v := range all {
				if !owned(k, v) {
					t.Errorf("All: key %d value %d", k, v)
				}
			}
			if n := s.Len(); n != len(all) || n > maxKeys || s.Stats().Entries != n {
				t.Fatalf("Len %d, All %d, Entries %d, MaxKeys %d", n, len(all), s.Stats().Entries, maxKeys)
			}
		})
	}
}

// TestBulkAllocations: GetManyInto of hits allocates nothing; GetMany
// allocates only its map; SetMany allocates the entries it stores and
// nothing per key besides.
func TestBulkAllocations(t *testing.T) {
	s := newStore(t, &livedict.Options[int, int]{ReadStats: true})
	const n = 256
	keys := seq(0, n)
	if err := s.SetMany(keys, keys, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	values, found := make([]int, n), make([]bool, n)
	if a := testing.AllocsPerRun(50, func() {
		if hits, _ := s.GetManyInto(keys, values, found); hits != n {
			t.Fatalf("%d hits, want %d", hits, n)
		}
	}); a != 0 {
		t.Fatalf("GetManyInto of %d hits: %v allocations, want 0", n, a)
	}
	var sink map[int]int
	byHand := testing.AllocsPerRun(50, func() {
		m := make(map[int]int, n)
		for _, k := range keys {
			m[k] = k
		}
		sink = m // on the heap, as a returned map is
	})
	_ = sink
	if a := testing.AllocsPerRun(50, func() {
		if len(s.GetMany(keys)) != n {
			t.Fatal("GetMany missed")
		}
	}); a > byHand {
		t.Fatalf("GetMany of %d hits: %v allocations, more than the %v of its map", n, a, byHand)
	}
	// Updates of present keys: one new entry each, and at most a few
	// buffers for the call (fewer once pooled).
	if a := testing.AllocsPerRun(20, func() {
		if err := s.SetMany(keys, keys, livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}); a > n+10 {
		t.Fatalf("SetMany of %d updates: %v allocations, want at most %d", n, a, n+10)
	}
	if a := testing.AllocsPerRun(20, func() { s.DeleteMany(keys[:0:0]); s.DeleteMany([]int{-1, -2}) }); a > 10 {
		t.Fatalf("DeleteMany of absent keys: %v allocations", a)
	}
	// The single calls share the bulk calls' code under the lock: Set
	// still allocates only its entry, Delete nothing.
	if a := testing.AllocsPerRun(100, func() { _ = s.Set(1, 1, livedict.NoExpiry) }); a != 1 {
		t.Fatalf("Set of a present key: %v allocations, want 1", a)
	}
	if a := testing.AllocsPerRun(100, func() { s.Delete(-1) }); a != 0 {
		t.Fatalf("Delete of an absent key: %v allocations, want 0", a)
	}
}

// TestSetManyForgetsAbsence: a key that Load remembered as absent
// (NegativeTTL) exists again once SetMany stores it, also after it leaves
// memory, as after Set.
func TestSetManyForgetsAbsence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := mustNew(t, &livedict.Options[string, string]{
			MaxKeys: 16, Policy: livedict.Evict, NegativeTTL: time.Hour,
			Persist: &livedict.Persist[string, string]{Backend: store.NewMemory(), Plaintext: true},
			Loader: func(context.Context, string, string) (string, time.Duration, error) {
				return "", 0, livedict.ErrNotFound
			}})
		defer s.Close()
		wantNotFound(t, s, "later")
		if err := s.SetMany([]string{"other", "later"}, []string{"o", "written"}, livedict.DefaultTTL); err != nil {
			t.Fatal(err)
		}
		evictFromMemory(t, s, "later")
		mustLoad(t, s, "later", "written")
	})
}
