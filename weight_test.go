package livedict_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

// byLen weighs an entry by its value's length in bytes.
func byLen(_ string, v string) uint32 { return uint32(len(v)) }

func wantWeight(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: weight %d, want %d", what, got, want)
	}
}

// wantFull checks that err is a *FullError for a weight limit.
func wantFull(t *testing.T, what string, err error, bucket string, limit int64, storeWide bool, entry int64) {
	t.Helper()
	var fe *livedict.FullError
	if !errors.Is(err, livedict.ErrFull) || !errors.As(err, &fe) {
		t.Fatalf("%s: err = %v, want a *FullError matching ErrFull", what, err)
	}
	if !fe.Weight || fe.Bucket != bucket || fe.Limit != limit || fe.Store != storeWide || fe.Entry != entry {
		t.Fatalf("%s: %+v, want weight limit %d of bucket %q (store %v), entry %d", what, fe, limit, bucket, storeWide, entry)
	}
	if !strings.Contains(err.Error(), "weight") && !strings.Contains(err.Error(), "MaxWeight") {
		t.Fatalf("%s: %q does not name the weight limit", what, err)
	}
}

// TestWeightRejectStore: under Reject a write that would take the store
// past MaxWeight fails and changes nothing; an overwrite counts only the
// difference; an entry heavier than MaxWeight is refused outright.
func TestWeightRejectStore(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{Weigher: byLen, MaxWeight: 10})
	defer s.Close()
	for _, kv := range [][2]string{{"a", "aaaa"}, {"b", "bbbb"}} {
		if err := s.Set(kv[0], kv[1], livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	wantWeight(t, "two entries", s.Stats().Weight, 8)
	err := s.Set("c", "ccc", livedict.NoExpiry)
	wantFull(t, "past MaxWeight", err, "", 10, true, 0)
	if !strings.Contains(err.Error(), "MaxWeight is 10") {
		t.Fatalf("store limit message %q, want it to name MaxWeight", err)
	}
	if s.Has("c") || s.Stats().Weight != 8 || s.Stats().Rejections != 1 {
		t.Fatalf("refused write changed the store: has c %v, stats %+v", s.Has("c"), s.Stats())
	}
	if err := s.Set("a", "aa", livedict.NoExpiry); err != nil { // 8 - 2
		t.Fatal(err)
	}
	wantWeight(t, "lighter overwrite", s.Stats().Weight, 6)
	if err := s.Set("c", "ccc", livedict.NoExpiry); err != nil {
		t.Fatalf("fits after the overwrite: %v", err)
	}
	wantWeight(t, "three entries", s.Stats().Weight, 9)
	err = s.Set("c", "ccccc", livedict.NoExpiry) // +2: 11
	wantFull(t, "heavier overwrite", err, "", 10, true, 0)
	if v, _ := s.Get("c"); v != "ccc" {
		t.Fatalf("refused overwrite replaced the value: %q", v)
	}
	if _, ok, err := s.Update("c", livedict.KeepTTL, func(string, bool) (string, bool) { return "cccc", true }); err != nil || !ok {
		t.Fatalf("Update to a weight that fits: %v, %v", ok, err)
	}
	wantWeight(t, "after Update", s.Stats().Weight, 10)
	wantFull(t, "heavier than MaxWeight", s.Set("z", strings.Repeat("z", 11), livedict.NoExpiry), "", 10, true, 11)
	s.Delete("b")
	wantWeight(t, "after Delete", s.Stats().Weight, 6)
	wantWeight(t, "default bucket", s.Weight(), 6)
	if err := s.Set("zero", "", livedict.NoExpiry); err != nil {
		t.Fatalf("an entry of weight 0: %v", err)
	}
}

// TestWeightRejectBucket: a bucket's MaxWeight bounds its own entries,
// whatever the store's Policy, and leaves other buckets alone.
func TestWeightRejectBucket(t *testing.T) {
	for _, pol := range []livedict.Policy{livedict.Reject, livedict.Evict} {
		t.Run(pol.String(), func(t *testing.T) {
			o := &livedict.Options[string, string]{
				Weigher: byLen,
				Buckets: map[string]livedict.BucketOptions{"small": {MaxWeight: 5}},
			}
			if pol == livedict.Evict {
				o.Policy, o.MaxKeys = livedict.Evict, 1000
			}
			s := mustNew(t, o)
			defer s.Close()
			small := s.Bucket("small")
			if err := small.Set("a", "aaa", livedict.NoExpiry); err != nil {
				t.Fatal(err)
			}
			err := small.Set("b", "bbb", livedict.NoExpiry)
			wantFull(t, "bucket past MaxWeight", err, "small", 5, false, 0)
			if !strings.Contains(err.Error(), `bucket "small" holds its weight limit of 5`) {
				t.Fatalf("bucket limit message %q", err)
			}
			wantFull(t, "heavier than the bucket", small.Set("c", "cccccc", livedict.NoExpiry), "small", 5, false, 6)
			if err := small.Set("b", "bb", livedict.NoExpiry); err != nil {
				t.Fatal(err)
			}
			if err := s.Set("big", strings.Repeat("x", 50), livedict.NoExpiry); err != nil {
				t.Fatalf("the default bucket has no bound: %v", err)
			}
			wantWeight(t, "bucket", small.Weight(), 5)
			wantWeight(t, "default bucket", s.Weight(), 50)
			wantWeight(t, "store", s.Stats().Weight, 55)
			if s.Stats().Evictions != 0 {
				t.Fatalf("a bucket limit evicted: %+v", s.Stats())
			}
			// DefineBucket changes the bound for later writes.
			if _, err := s.DefineBucket("small", livedict.BucketOptions{MaxWeight: 8}); err != nil {
				t.Fatal(err)
			}
			if err := small.Set("c", "ccc", livedict.NoExpiry); err != nil {
				t.Fatalf("after raising MaxWeight: %v", err)
			}
			wantWeight(t, "raised bucket", small.Weight(), 8)
		})
	}
}

// TestWeightEvict: under Evict the store evicts until a new entry fits
// and never holds more than MaxWeight; a heavier overwrite evicts others,
// never the entry being written.
func TestWeightEvict(t *testing.T) {
	var evicted atomic.Int64
	s := mustNew(t, &livedict.Options[string, string]{
		Weigher: byLen, MaxWeight: 20, Policy: livedict.Evict, Shards: 1,
		OnEvict: func(livedict.Event[string, string]) { evicted.Add(1) },
	})
	defer s.Close()
	for i := range 50 {
		k := string(rune('a'+i%26)) + string(rune('a'+i/26))
		if err := s.Set(k, "vvv", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); st.Weight > 20 || st.Weight != int64(3*st.Entries) {
			t.Fatalf("after %d writes: %+v, want weight <= 20 and 3 per entry", i+1, st)
		}
	}
	st := s.Stats()
	if st.Entries != 6 || st.Evictions != 44 || evicted.Load() != 44 {
		t.Fatalf("stats %+v, OnEvict %d: want 6 entries left and 44 evictions", st, evicted.Load())
	}
	wantFull(t, "heavier than MaxWeight", s.Set("huge", strings.Repeat("h", 21), livedict.NoExpiry), "", 20, true, 21)
	if err := s.Set("whole", strings.Repeat("w", 20), livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("whole"); !ok || len(v) != 20 || s.Stats().Weight != 20 || s.Len() != 1 {
		t.Fatalf("an entry of MaxWeight: got %d bytes, %v, %+v; want it alone", len(v), ok, s.Stats())
	}
	if err := s.Set("a", "a", livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	// "whole" (20) must go for "a" (1) to fit.
	if s.Has("whole") || !s.Has("a") || s.Stats().Weight != 1 {
		t.Fatalf("after a write past the bound: whole %v, a %v, %+v", s.Has("whole"), s.Has("a"), s.Stats())
	}
	for _, k := range []string{"b", "c", "d"} {
		if err := s.Set(k, "xxxx", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	// Growing "a" to 16 takes the store to 28: others go, "a" stays.
	if err := s.Set("a", strings.Repeat("a", 16), livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("a"); !ok || len(v) != 16 || s.Stats().Weight > 20 {
		t.Fatalf("a heavier overwrite: a = %d bytes, %v, %+v", len(v), ok, s.Stats())
	}
}

// TestWeightEvictShare: under Evict each shard holds its share of
// MaxWeight, so the whole store never holds more, and an entry heavier
// than a shard's share is refused.
func TestWeightEvictShare(t *testing.T) {
	s := mustNew(t, &livedict.Options[int, string]{
		Weigher:   func(_ int, v string) uint32 { return uint32(len(v)) },
		MaxWeight: 100, Policy: livedict.Evict, Shards: 4,
	})
	defer s.Close()
	for i := range 500 {
		if err := s.Set(i, "0123456789"[:1+i%7], livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		if w := s.Stats().Weight; w > 100 {
			t.Fatalf("after %d writes the store weighs %d, past MaxWeight 100", i+1, w)
		}
	}
	wantFull(t, "heavier than a shard's share", s.Set(-1, strings.Repeat("x", 26), livedict.NoExpiry), "", 25, true, 26)
}

// TestWeightReleased: every way an entry leaves takes its weight off the
// sums: Delete, expiry (reaped, or found by a write), Clear, ClearAll and
// DropBucket; a refused write adds none.
func TestWeightReleased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring, _ := testKeys(t)
		s := mustNew(t, &livedict.Options[string, string]{
			Weigher: byLen, MaxWeight: 1000,
			Keyring: ring,
			Buckets: map[string]livedict.BucketOptions{"sealed": {Sealed: true}, "b": {MaxWeight: 100}},
		})
		defer s.Close()
		fill := func(v *livedict.View[string, string]) {
			t.Helper()
			for _, k := range []string{"k1", "k2", "k3"} {
				if err := v.Set(k, "12345", livedict.NoExpiry); err != nil {
					t.Fatal(err)
				}
			}
		}
		def, b, sealed := s.Bucket(""), s.Bucket("b"), s.Bucket("sealed")
		for _, v := range []*livedict.View[string, string]{def, b, sealed} {
			fill(v)
			wantWeight(t, "filled bucket "+v.Name(), v.Weight(), 15)
		}
		wantWeight(t, "store", s.Stats().Weight, 45)

		// A sealed entry holds no clear value; its weight is that of the
		// value written.
		if err := sealed.Set("k1", "1", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		wantWeight(t, "sealed overwrite", sealed.Weight(), 11)
		sealed.Delete("k1")
		sealed.Delete("k2")
		wantWeight(t, "sealed after Delete", sealed.Weight(), 5)

		if err := b.Set("t", "1234567890", 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := b.Set("u", "1234567890", 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		wantWeight(t, "with entries that expire", b.Weight(), 35)
		time.Sleep(20 * time.Millisecond)
		// A write that finds "u" expired takes its weight off too.
		if err := b.Set("u", "12", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		wantWeight(t, "after expiry", b.Weight(), 17)

		b.Clear()
		wantWeight(t, "after Clear", b.Weight(), 0)
		fill(b)
		if err := s.DropBucket(t.Context(), "b"); err != nil {
			t.Fatal(err)
		}
		wantWeight(t, "new bucket after DropBucket", s.Bucket("b").Weight(), 0)
		wantWeight(t, "store after DropBucket", s.Stats().Weight, 20)
		s.ClearAll()
		wantWeight(t, "after ClearAll", s.Stats().Weight, 0)
		for _, v := range []*livedict.View[string, string]{def, sealed} {
			wantWeight(t, "bucket after ClearAll "+v.Name(), v.Weight(), 0)
		}
		// All the room is back.
		if err := s.Set("all", strings.Repeat("x", 1000), livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWeightWarm: Warm respects MaxWeight: under Reject it stops at the
// bound with ErrFull, under Evict it keeps the store within it.
func TestWeightWarm(t *testing.T) {
	data := new(store.MemoryData)
	src := persisted[int, string](t, store.NewMemoryShared(data), livedict.WriteThrough)
	ring, nk := src.Persist.Keyring, src.Persist.NameKey
	w := mustNew(t, src)
	for i := range 20 {
		if err := w.Set(i, "0123456789", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pol := range []livedict.Policy{livedict.Reject, livedict.Evict} {
		t.Run(pol.String(), func(t *testing.T) {
			s := mustNew(t, &livedict.Options[int, string]{
				Weigher:   func(_ int, v string) uint32 { return uint32(len(v)) },
				MaxWeight: 55, Policy: pol, Shards: 1,
				Persist: &livedict.Persist[int, string]{Backend: store.NewMemoryShared(data), Keyring: ring, NameKey: nk, OnError: func(error) {}},
			})
			defer s.Close()
			n, err := s.Warm(t.Context())
			st := s.Stats()
			if st.Weight > 55 || st.Weight != int64(10*st.Entries) {
				t.Fatalf("after Warm: %+v, want weight <= 55, 10 per entry", st)
			}
			switch pol {
			case livedict.Reject:
				if !errors.Is(err, livedict.ErrFull) || n != 5 || st.Entries != 5 {
					t.Fatalf("Warm = %d, %v (%d entries); want 5 and ErrFull", n, err, st.Entries)
				}
			case livedict.Evict:
				if err != nil || n != 20 || st.Entries != 5 || st.Evictions != 15 {
					t.Fatalf("Warm = %d, %v, %+v; want 20 stored, 5 kept", n, err, st)
				}
			}
		})
	}
}

// TestWeightOptions: the weight options are checked.
func TestWeightOptions(t *testing.T) {
	cases := []struct {
		name  string
		opts  livedict.Options[string, string]
		field string
	}{
		{"negative", livedict.Options[string, string]{Weigher: byLen, MaxWeight: -1}, "Options.MaxWeight"},
		{"no weigher", livedict.Options[string, string]{MaxWeight: 10}, "Options.MaxWeight"},
		{"bucket without weigher", livedict.Options[string, string]{Buckets: map[string]livedict.BucketOptions{"b": {MaxWeight: 1}}}, `Options.Buckets["b"].MaxWeight`},
		{"bucket negative", livedict.Options[string, string]{Weigher: byLen, Buckets: map[string]livedict.BucketOptions{"b": {MaxWeight: -1}}}, `Options.Buckets["b"].MaxWeight`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := livedict.New(&c.opts)
			var oe *livedict.OptionError
			if !errors.As(err, &oe) || oe.Field != c.field {
				t.Fatalf("New: %v, want an OptionError for %s", err, c.field)
			}
		})
	}
	s := mustNew(t, &livedict.Options[string, string]{})
	defer s.Close()
	if _, err := s.DefineBucket("b", livedict.BucketOptions{MaxWeight: 5}); !errors.Is(err, livedict.ErrInvalidOption) {
		t.Fatalf("DefineBucket with MaxWeight and no Weigher: %v, want ErrInvalidOption", err)
	}
	if err := s.Set("k", "v", livedict.NoExpiry); err != nil || s.Stats().Weight != 0 || s.Weight() != 0 {
		t.Fatalf("no Weigher: weight %d, %d; want 0", s.Stats().Weight, s.Weight())
	}
	// Evict with MaxWeight alone is a valid bound.
	e := mustNew(t, &livedict.Options[string, string]{Weigher: byLen, MaxWeight: 10, Policy: livedict.Evict})
	e.Close()
}

// TestWeightAndKeys: MaxKeys and MaxWeight set together both bind, and
// the FullError says which one refused.
func TestWeightAndKeys(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{Weigher: byLen, MaxWeight: 10, MaxKeys: 2})
	defer s.Close()
	if err := s.Set("a", "12345678", livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	wantFull(t, "weight first", s.Set("b", "123", livedict.NoExpiry), "", 10, true, 0)
	if err := s.Set("b", "1", livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	err := s.Set("c", "", livedict.NoExpiry)
	var fe *livedict.FullError
	if !errors.As(err, &fe) || fe.Weight || fe.Limit != 2 || !fe.Store {
		t.Fatalf("third key of weight 0: %v (%+v), want the MaxKeys limit of 2", err, fe)
	}
	wantWeight(t, "both bound", s.Stats().Weight, 9)
}

// TestWeightSetMany: SetMany weighs each entry as Set does. Under Reject
// a key that would take the store past MaxWeight, and one heavier than
// MaxWeight, fail in the *BulkError with a weight *FullError each, and
// change nothing; the keys that fit are stored.
func TestWeightSetMany(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{Weigher: byLen, MaxWeight: 10})
	defer s.Close()
	if err := s.Set("a", "aaaaaaaa", livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	// 8 + 2 fits; 8 + 3, or 10 + 3, does not, whichever shard comes first.
	keys := []string{"b", "c", "z"}
	values := []string{"bb", "ccc", strings.Repeat("z", 11)}
	err := s.SetMany(keys, values, livedict.NoExpiry)
	var be *livedict.BulkError
	if !errors.As(err, &be) || !errors.Is(err, livedict.ErrFull) {
		t.Fatalf("SetMany past MaxWeight: %v, want a *BulkError matching ErrFull", err)
	}
	if be.Op != "SetMany" || be.Keys != 3 || len(be.Failed) != 2 {
		t.Fatalf("BulkError %+v, want SetMany of 3 keys with 2 failed", be)
	}
	byIndex := map[int]error{}
	for _, f := range be.Failed {
		byIndex[f.Index] = f.Err
	}
	if byIndex[1] == nil || byIndex[2] == nil {
		t.Fatalf("failed indexes %+v, want 1 and 2", be.Failed)
	}
	wantFull(t, "past MaxWeight", byIndex[1], "", 10, true, 0)
	wantFull(t, "heavier than MaxWeight", byIndex[2], "", 10, true, 11)
	if v, ok := s.Get("b"); !ok || v != "bb" {
		t.Fatalf("b = %q, %v; want the key that fit stored", v, ok)
	}
	if s.Has("c") || s.Has("z") {
		t.Fatalf("refused keys stored: c %v, z %v", s.Has("c"), s.Has("z"))
	}
	if st := s.Stats(); st.Weight != 10 || st.Rejections != 2 {
		t.Fatalf("stats %+v, want weight 10 and 2 rejections", st)
	}
}

// TestWeightSetManyReaps: under Reject, entries past their deadline that
// the reaper has not removed yet do not count against MaxWeight for
// SetMany, as for Set.
func TestWeightSetManyReaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := mustNew(t, &livedict.Options[string, string]{Weigher: byLen, MaxWeight: 10, Shards: 2})
		defer s.Close()
		if err := s.SetMany([]string{"a", "b"}, []string{"aaaa", "bbbb"}, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // due; the reaper wakes a tick later
		if err := s.SetMany([]string{"c", "d"}, []string{"cccc", "dddd"}, livedict.NoExpiry); err != nil {
			t.Fatalf("SetMany over expired weight: %v", err)
		}
		wantWeight(t, "after reaping", s.Stats().Weight, 8)
	})
}
