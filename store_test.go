package livedict_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
)

func newStore[K comparable, V any](t *testing.T, o *livedict.Options[K, V]) *livedict.Store[K, V] {
	t.Helper()
	s, err := livedict.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name  string
		opts  livedict.Options[string, int]
		field string
	}{
		{"negative TTL", livedict.Options[string, int]{DefaultTTL: -time.Second}, "Options.DefaultTTL"},
		{"negative MaxKeys", livedict.Options[string, int]{MaxKeys: -1}, "Options.MaxKeys"},
		{"evict without MaxKeys", livedict.Options[string, int]{Policy: livedict.Evict}, "Options.MaxKeys"},
		{"unknown policy", livedict.Options[string, int]{Policy: 9}, "Options.Policy"},
		{"shards not a power of two", livedict.Options[string, int]{Shards: 3}, "Options.Shards"},
		{"too many shards", livedict.Options[string, int]{Shards: 4096}, "Options.Shards"},
		{"bad bucket limit", livedict.Options[string, int]{Buckets: map[string]livedict.BucketOptions{"s": {MaxKeys: -2}}}, `Options.Buckets["s"].MaxKeys`},
		{"bad bucket TTL", livedict.Options[string, int]{Buckets: map[string]livedict.BucketOptions{"s": {DefaultTTL: -5}}}, `Options.Buckets["s"].DefaultTTL`},
		{"default bucket in Buckets", livedict.Options[string, int]{Buckets: map[string]livedict.BucketOptions{"": {}}}, `Options.Buckets[""]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := livedict.New(&tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("New accepted invalid options")
			}
			if !errors.Is(err, livedict.ErrInvalidOption) {
				t.Errorf("error %v does not match ErrInvalidOption", err)
			}
			var oe *livedict.OptionError
			if !errors.As(err, &oe) || oe.Field != tt.field {
				t.Errorf("error %v: want field %s", err, tt.field)
			}
		})
	}
}

func TestBasicOperations(t *testing.T) {
	s := newStore(t, &livedict.Options[string, int]{ReadStats: true})
	if _, ok := s.Get("a"); ok {
		t.Fatal("empty store hit")
	}
	if err := s.Set("a", 1, livedict.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("a"); !ok || v != 1 {
		t.Fatalf("Get = %v, %v", v, ok)
	}
	if err := s.Set("a", 2, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("a"); v != 2 {
		t.Fatalf("overwrite: Get = %v", v)
	}
	if !s.Has("a") || s.Has("b") {
		t.Fatal("Has wrong")
	}
	if s.LenAll() != 1 {
		t.Fatalf("Len = %d", s.LenAll())
	}
	if ttl, ok := s.TTL("a"); !ok || ttl != livedict.NoExpiry {
		t.Fatalf("TTL = %v, %v", ttl, ok)
	}
	if d, ok := s.Deadline("a"); !ok || !d.IsZero() {
		t.Fatalf("Deadline = %v, %v", d, ok)
	}
	if !s.Delete("a") || s.Delete("a") {
		t.Fatal("Delete should report presence once")
	}
	if s.LenAll() != 0 {
		t.Fatalf("Len after delete = %d", s.LenAll())
	}
	if err := s.Set("x", 1, -5*time.Second); !errors.Is(err, livedict.ErrInvalidTTL) {
		t.Fatalf("negative TTL: %v", err)
	}
	st := s.Stats()
	if st.Hits != 2 || st.Misses != 1 || st.Sets != 2 || st.Deletes != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestManyKeysGrowAndIterate(t *testing.T) {
	for _, shards := range []int{1, 16} {
		t.Run(fmt.Sprint(shards), func(t *testing.T) {
			s := newStore(t, &livedict.Options[int, string]{Shards: shards})
			const n = 20000
			for i := range n {
				if err := s.Set(i, fmt.Sprint(i), livedict.NoExpiry); err != nil {
					t.Fatal(err)
				}
			}
			for i := range n {
				if v, ok := s.Get(i); !ok || v != fmt.Sprint(i) {
					t.Fatalf("Get(%d) = %q, %v", i, v, ok)
				}
			}
			for i := 0; i < n; i += 2 {
				s.Delete(i)
			}
			got := slices.Sorted(s.Keys())
			if len(got) != n/2 || got[0] != 1 || got[len(got)-1] != n-1 {
				t.Fatalf("Keys: %d keys", len(got))
			}
			all := maps.Collect(s.All())
			if len(all) != n/2 || all[7] != "7" {
				t.Fatalf("All: %d entries", len(all))
			}
			if s.LenAll() != n/2 {
				t.Fatalf("Len = %d", s.LenAll())
			}
		})
	}
}

func TestReadStatsOff(t *testing.T) {
	s := newStore[string, int](t, nil)
	s.Set("a", 1, 0)
	s.SetWith("g", 1, livedict.SetOptions[string, int]{Token: "t"})
	s.Get("a")
	s.Get("b")
	s.Get("g")
	if st := s.Stats(); st.Hits != 0 || st.Misses != 0 || st.TokenMisses != 1 || st.Sets != 2 {
		t.Fatalf("without ReadStats: %+v", st)
	}
}

func TestKeyTypes(t *testing.T) {
	type point struct{ X, Y int }
	type userID string
	s1 := newStore[point, int](t, nil)
	s1.Set(point{1, 2}, 3, 0)
	if v, ok := s1.Get(point{1, 2}); !ok || v != 3 {
		t.Fatal("struct key")
	}
	s2 := newStore[userID, int](t, nil)
	s2.Set("u1", 1, 0)
	if _, ok := s2.Get("u1"); !ok {
		t.Fatal("named string key")
	}
	s3 := newStore[int8, int](t, nil)
	for i := -128; i < 128; i++ {
		s3.Set(int8(i), i, 0)
	}
	if s3.LenAll() != 256 {
		t.Fatalf("int8 keys: Len %d", s3.LenAll())
	}
	s4 := newStore[[16]byte, int](t, nil)
	s4.Set([16]byte{1}, 1, 0)
	if _, ok := s4.Get([16]byte{1}); !ok {
		t.Fatal("array key")
	}
}

func TestExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var expired []string
		var mu sync.Mutex
		s := newStore(t, &livedict.Options[string, int]{
			DefaultTTL: time.Second,
			OnExpire: func(ev livedict.Event[string, int]) {
				mu.Lock()
				defer mu.Unlock()
				expired = append(expired, ev.Key)
			},
		})
		s.Set("default", 1, livedict.DefaultTTL)
		s.Set("short", 1, 100*time.Millisecond)
		s.Set("forever", 1, livedict.NoExpiry)
		if ttl, _ := s.TTL("default"); ttl != time.Second {
			t.Fatalf("TTL = %v", ttl)
		}
		time.Sleep(100*time.Millisecond - 1)
		if _, ok := s.Get("short"); !ok {
			t.Fatal("expired early")
		}
		time.Sleep(time.Nanosecond) // exactly the deadline
		if _, ok := s.Get("short"); ok {
			t.Fatal("Get returned an entry at its deadline")
		}
		synctest.Wait()
		mu.Lock()
		if !slices.Equal(expired, []string{"short"}) {
			t.Fatalf("expired %v", expired)
		}
		mu.Unlock()
		time.Sleep(time.Hour)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(expired, []string{"short", "default"}) {
			t.Fatalf("expired %v", expired)
		}
		if s.LenAll() != 1 {
			t.Fatalf("Len = %d", s.LenAll())
		}
		if st := s.Stats(); st.Expirations != 2 {
			t.Fatalf("Expirations = %d", st.Expirations)
		}
	})
}

func TestReapedWithinOneTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at time.Time
		start := time.Now()
		s := newStore(t, &livedict.Options[int, int]{
			OnExpire: func(livedict.Event[int, int]) { at = time.Now() },
		})
		s.Set(1, 1, 1500*time.Microsecond)
		time.Sleep(time.Second)
		synctest.Wait()
		if lag := at.Sub(start) - 1500*time.Microsecond; lag < 0 || lag > time.Millisecond {
			t.Fatalf("reaped %v after the deadline", lag)
		}
	})
}

func TestExpiryHooksInDeadlineOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var order []int
		s := newStore(t, &livedict.Options[int, int]{
			Shards:   16,
			OnExpire: func(ev livedict.Event[int, int]) { order = append(order, ev.Value) },
		})
		// Deadlines all inside one tick and across ticks, keys spread over
		// shards, written out of order.
		for i := 999; i >= 0; i-- {
			s.Set(i, i, time.Duration(1000+i*997%5000)*time.Microsecond)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if len(order) != 1000 {
			t.Fatalf("%d expirations", len(order))
		}
		if !slices.IsSortedFunc(order, func(a, b int) int { return a*997%5000 - b*997%5000 }) {
			t.Fatal("OnExpire not in deadline order")
		}
	})
}

func TestTouch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore[string, int](t, nil)
		s.Set("k", 1, time.Second)
		time.Sleep(900 * time.Millisecond)
		if !s.Touch("k", time.Second) {
			t.Fatal("Touch missed")
		}
		time.Sleep(900 * time.Millisecond)
		if _, ok := s.Get("k"); !ok {
			t.Fatal("Touch did not extend")
		}
		if !s.Touch("k", livedict.NoExpiry) {
			t.Fatal("Touch missed")
		}
		time.Sleep(time.Hour)
		if _, ok := s.Get("k"); !ok {
			t.Fatal("NoExpiry Touch did not persist the entry")
		}
		if s.Touch("missing", time.Second) {
			t.Fatal("Touch of a missing key")
		}
	})
}

func TestKeepTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore[string, int](t, nil)
		s.Set("k", 1, time.Second)
		time.Sleep(400 * time.Millisecond)
		s.Set("k", 2, livedict.KeepTTL)
		if ttl, _ := s.TTL("k"); ttl != 600*time.Millisecond {
			t.Fatalf("KeepTTL: TTL %v", ttl)
		}
		swapped, err := livedict.CompareAndSwap(s.Bucket(""), "k", 2, 3)
		if !swapped || err != nil {
			t.Fatal("CompareAndSwap failed")
		}
		if swapped, _ := livedict.CompareAndSwap(s.Bucket(""), "k", 2, 4); swapped {
			t.Fatal("CompareAndSwap with a stale old value")
		}
		if ttl, _ := s.TTL("k"); ttl != 600*time.Millisecond {
			t.Fatalf("CompareAndSwap changed the TTL: %v", ttl)
		}
	})
}

func TestGetOrSetAndUpdate(t *testing.T) {
	s := newStore[string, int](t, nil)
	v, loaded, err := s.GetOrSet("k", 1, 0)
	if v != 1 || loaded || err != nil {
		t.Fatalf("GetOrSet first = %v %v %v", v, loaded, err)
	}
	v, loaded, _ = s.GetOrSet("k", 2, 0)
	if v != 1 || !loaded {
		t.Fatalf("GetOrSet second = %v %v", v, loaded)
	}
	if ok, _ := s.SetIfAbsent("k", 3, 0); ok {
		t.Fatal("SetIfAbsent over a present key")
	}
	if ok, _ := s.SetIfAbsent("j", 3, 0); !ok {
		t.Fatal("SetIfAbsent of an absent key")
	}
	incr := func(old int, found bool) (int, bool) { return old + 1, true }
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				if _, _, err := s.Update("n", livedict.NoExpiry, incr); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if v, _ := s.Get("n"); v != 4000 {
		t.Fatalf("concurrent Update lost increments: %d", v)
	}
	v, stored, _ := s.Update("n", 0, func(old int, found bool) (int, bool) { return 0, false })
	if stored || v != 4000 {
		t.Fatalf("declined Update = %v %v", v, stored)
	}
}

func TestBuckets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, &livedict.Options[string, string]{
			Buckets: map[string]livedict.BucketOptions{
				"sessions": {DefaultTTL: time.Minute, MaxKeys: 2},
			},
		})
		sess := s.Bucket("sessions")
		other := s.Bucket("other")
		s.Set("k", "root", 0)
		sess.Set("k", "sess", 0)
		other.Set("k", "other", 0)
		for _, c := range []struct {
			v    *livedict.View[string, string]
			want string
		}{{s.Bucket(""), "root"}, {sess, "sess"}, {other, "other"}} {
			if got, _ := c.v.Get("k"); got != c.want {
				t.Fatalf("bucket %q: Get = %q", c.v.Name(), got)
			}
		}
		if ttl, _ := sess.TTL("k"); ttl != time.Minute {
			t.Fatalf("bucket TTL %v", ttl)
		}
		if ttl, _ := other.TTL("k"); ttl != livedict.NoExpiry {
			t.Fatalf("undeclared bucket TTL %v", ttl)
		}
		sess.Set("k2", "x", 0)
		if err := sess.Set("k3", "x", 0); !errors.Is(err, livedict.ErrFull) {
			t.Fatalf("bucket limit: %v", err)
		}
		if err := sess.Set("k2", "y", 0); err != nil {
			t.Fatalf("overwrite at the limit: %v", err)
		}
		if sess.Len() != 2 || other.Len() != 1 || s.Len() != 1 || s.LenAll() != 4 {
			t.Fatalf("Len: sess %d other %d root %d all %d", sess.Len(), other.Len(), s.Len(), s.LenAll())
		}
		sess.Clear()
		if sess.Len() != 0 || s.LenAll() != 2 {
			t.Fatalf("bucket Clear: sess %d all %d", sess.Len(), s.LenAll())
		}
		if _, err := s.DefineBucket("other", livedict.BucketOptions{MaxKeys: 1}); err != nil {
			t.Fatal(err)
		}
		if err := other.Set("k9", "x", 0); !errors.Is(err, livedict.ErrFull) {
			t.Fatalf("redefined limit: %v", err)
		}
		if _, err := s.DefineBucket("bad", livedict.BucketOptions{MaxKeys: -1}); !errors.Is(err, livedict.ErrInvalidOption) {
			t.Fatalf("DefineBucket bad: %v", err)
		}
		keys := slices.Sorted(other.Keys())
		if !slices.Equal(keys, []string{"k"}) {
			t.Fatalf("bucket Keys %v", keys)
		}
	})
}

func TestRequireBucket(t *testing.T) {
	s := newStore(t, &livedict.Options[string, int]{RequireBucket: true})
	if err := s.Set("k", 1, 0); !errors.Is(err, livedict.ErrBucketRequired) {
		t.Fatalf("Set on default bucket: %v", err)
	}
	if err := s.Bucket("b").Set("k", 1, 0); err != nil {
		t.Fatal(err)
	}
}

func TestAccessToken(t *testing.T) {
	s := newStore(t, &livedict.Options[string, string]{ReadStats: true})
	var accessed []string
	s.SetWith("secret", "v", livedict.SetOptions[string, string]{
		Token:    "t0ken",
		OnAccess: func(ev livedict.Event[string, string]) { accessed = append(accessed, ev.Key) },
	})
	if _, ok := s.Get("secret"); ok {
		t.Fatal("guarded entry returned without token")
	}
	if _, ok := s.GetWithToken("secret", "wrong"); ok {
		t.Fatal("guarded entry returned with a wrong token")
	}
	if _, ok := s.GetWithToken("secret", "t0ke"); ok {
		t.Fatal("guarded entry returned with a prefix of the token")
	}
	if v, ok := s.GetWithToken("secret", "t0ken"); !ok || v != "v" {
		t.Fatal("right token refused")
	}
	if n := len(slices.Collect(maps.Keys(maps.Collect(s.All())))); n != 0 {
		t.Fatal("All yielded a guarded value")
	}
	if s.Has("secret") {
		t.Fatal("Has saw a guarded entry without its token")
	}
	st := s.Stats()
	if st.TokenMisses != 3 || st.Misses != 3 || st.Hits != 1 {
		t.Fatalf("stats %+v", st)
	}
	if !slices.Equal(accessed, []string{"secret"}) {
		t.Fatalf("per-entry OnAccess %v", accessed)
	}
}

func TestRejectReapsBeforeFailing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var expired atomic.Int32
		s := newStore(t, &livedict.Options[int, int]{
			MaxKeys:  10,
			OnExpire: func(livedict.Event[int, int]) { expired.Add(1) },
		})
		for i := range 10 {
			if err := s.Set(i, i, time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Set(10, 10, 0); !errors.Is(err, livedict.ErrFull) {
			t.Fatalf("past MaxKeys: %v", err)
		}
		if err := s.Set(5, 50, 0); err != nil {
			t.Fatalf("overwrite at the limit: %v", err)
		}
		if s.Stats().Rejections != 1 {
			t.Fatal("rejection not counted")
		}
		// Block the reaper from running first: the write itself must reap.
		time.Sleep(2 * time.Second)
		if err := s.Set(10, 10, 0); err != nil {
			t.Fatalf("after expiry: %v", err)
		}
		synctest.Wait()
		if expired.Load() != 9 {
			t.Fatalf("OnExpire ran %d times", expired.Load())
		}
	})
}

func TestEvictPolicy(t *testing.T) {
	var evicted, deleted atomic.Int64
	s := newStore(t, &livedict.Options[int, int]{
		MaxKeys:  1000,
		Policy:   livedict.Evict,
		OnEvict:  func(livedict.Event[int, int]) { evicted.Add(1) },
		OnDelete: func(ev livedict.Event[int, int]) { deleted.Add(1) },
	})
	for i := range 10000 {
		if err := s.Set(i, i, 0); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			for j := range 50 { // a hot set read often
				s.Get(j)
			}
		}
	}
	if s.LenAll() > 1000 {
		t.Fatalf("Len %d past MaxKeys", s.LenAll())
	}
	hot := 0
	for j := range 50 {
		if s.Has(j) {
			hot++
		}
	}
	if hot < 45 {
		t.Fatalf("only %d of 50 hot keys survived", hot)
	}
	st := s.Stats()
	if int(st.Evictions) != 10000-s.LenAll() || evicted.Load() != int64(st.Evictions) || deleted.Load() != evicted.Load() {
		t.Fatalf("evictions %d, OnEvict %d, OnDelete %d, Len %d", st.Evictions, evicted.Load(), deleted.Load(), s.LenAll())
	}
}

func TestHooksMayCallTheStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s *livedict.Store[string, int]
		var mu sync.Mutex
		var seen []string
		note := func(x string) { mu.Lock(); seen = append(seen, x); mu.Unlock() }
		s = newStore(t, &livedict.Options[string, int]{
			OnExpire: func(ev livedict.Event[string, int]) {
				note("expire " + ev.Key)
				s.Set("after-"+ev.Key, ev.Value, livedict.NoExpiry) // a write from the reaper
				s.Get(ev.Key)
			},
			OnSet: []func(livedict.Event[string, int]){func(ev livedict.Event[string, int]) {
				s.Get(ev.Key) // reads its own write
				note("set " + ev.Key)
			}},
			OnDelete: func(ev livedict.Event[string, int]) {
				s.Has(ev.Key)
				note("delete " + ev.Key + " " + ev.Reason.String())
			},
			OnAccess: func(ev livedict.Event[string, int]) {
				s.LenAll()
			},
		})
		s.Set("a", 1, time.Second)
		s.Set("b", 1, livedict.NoExpiry)
		s.Delete("b")
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if v, ok := s.Get("after-a"); !ok || v != 1 {
			t.Fatal("write from OnExpire lost")
		}
		mu.Lock()
		defer mu.Unlock()
		want := []string{"set a", "set b", "delete b deleted", "expire a", "set after-a", "delete a expired"}
		if !slices.Equal(seen, want) {
			t.Fatalf("hooks ran as\n%v\nwant\n%v", seen, want)
		}
	})
}

func TestPanickingHooks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var reports []string
		var expired atomic.Int32
		s := newStore(t, &livedict.Options[int, int]{
			OnExpire: func(ev livedict.Event[int, int]) {
				expired.Add(1)
				if ev.Key%2 == 0 {
					panic("boom")
				}
			},
			OnSet:    []func(livedict.Event[int, int]){func(livedict.Event[int, int]) { panic("set boom") }},
			OnAccess: func(livedict.Event[int, int]) { panic("get boom") },
			OnHookPanic: func(hook string, v any) {
				mu.Lock()
				defer mu.Unlock()
				reports = append(reports, fmt.Sprint(hook, ":", v))
			},
		})
		for i := range 10 {
			if err := s.Set(i, i, time.Duration(i+1)*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if v, ok := s.Get(3); !ok || v != 3 {
			t.Fatal("Get with a panicking OnAccess")
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if expired.Load() != 10 {
			t.Fatalf("reaper stopped after a panic: %d expirations", expired.Load())
		}
		mu.Lock()
		defer mu.Unlock()
		if n := len(reports); n != 10+1+5 {
			t.Fatalf("%d panic reports: %v", n, reports)
		}
		if !strings.HasPrefix(reports[0], "OnSet:set boom") {
			t.Fatalf("report %q", reports[0])
		}
	})
}

func TestSetListeners(t *testing.T) {
	s := newStore[string, int](t, nil)
	var got []string
	remove := s.AddSetListener(func(ev livedict.Event[string, int]) {
		got = append(got, ev.Bucket+"/"+ev.Key)
	})
	s.Set("a", 1, 0)
	s.Bucket("b").Set("c", 1, 0)
	remove()
	s.Set("z", 1, 0)
	if !slices.Equal(got, []string{"/a", "b/c"}) {
		t.Fatalf("listener saw %v", got)
	}
}

func TestClose(t *testing.T) {
	s, err := livedict.New[string, int](nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Set("a", 1, time.Hour)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := s.Set("a", 1, 0); !errors.Is(err, livedict.ErrClosed) {
		t.Fatalf("Set after Close: %v", err)
	}
	if _, ok := s.Get("a"); ok {
		t.Fatal("Get after Close hit")
	}
	if _, err := s.SetIfAbsent("b", 1, 0); !errors.Is(err, livedict.ErrClosed) {
		t.Fatalf("SetIfAbsent after Close: %v", err)
	}
	if s.Delete("a") || s.Touch("a", time.Second) {
		t.Fatal("Delete/Touch after Close")
	}
}

func TestClearFiresOnDelete(t *testing.T) {
	var reasons []livedict.Reason
	s := newStore(t, &livedict.Options[int, int]{
		OnDelete: func(ev livedict.Event[int, int]) { reasons = append(reasons, ev.Reason) },
	})
	for i := range 100 {
		s.Set(i, i, 0)
	}
	s.ClearAll()
	if s.LenAll() != 0 || len(reasons) != 100 || reasons[0] != livedict.ReasonCleared {
		t.Fatalf("Clear: Len %d, %d OnDelete", s.LenAll(), len(reasons))
	}
	s.Set(1, 1, 0)
	if v, ok := s.Get(1); !ok || v != 1 {
		t.Fatal("store unusable after Clear")
	}
}

// Callbacks the store runs without a lock may call back into it: a
// deadlock here would hang the test.
func TestIterationAndUpdateMayCallTheStore(t *testing.T) {
	s := newStore[int, int](t, nil)
	for i := range 100 {
		s.Set(i, i, livedict.NoExpiry)
	}
	for k, v := range s.All() {
		s.Set(k+1000, v, livedict.NoExpiry)
		s.Delete(k)
	}
	for k := range s.Keys() {
		s.Get(k)
	}
	_, stored, err := s.Update(5000, livedict.NoExpiry, func(old int, found bool) (int, bool) {
		s.Set(5001, 1, livedict.NoExpiry) // another key, same call
		return 7, true
	})
	if !stored || err != nil {
		t.Fatalf("Update = %v, %v", stored, err)
	}
	if v, _ := s.Get(5000); v != 7 {
		t.Fatalf("Update stored %d", v)
	}
}

func TestBucketLimitRejectsUnderEvict(t *testing.T) {
	s := newStore(t, &livedict.Options[int, int]{
		MaxKeys: 1000,
		Policy:  livedict.Evict,
		Buckets: map[string]livedict.BucketOptions{"small": {MaxKeys: 3}},
	})
	b := s.Bucket("small")
	for i := range 3 {
		if err := b.Set(i, i, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Set(3, 3, 0); !errors.Is(err, livedict.ErrFull) {
		t.Fatalf("bucket limit under Evict: %v", err)
	}
	if b.Len() != 3 {
		t.Fatalf("bucket Len %d", b.Len())
	}
}
