package livedict_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/livedict/livedict"
)

func ExampleNew() {
	s, err := livedict.New(&livedict.Options[string, int]{
		DefaultTTL: time.Hour, // for Set(..., livedict.DefaultTTL)
		MaxKeys:    100_000,   // Set fails with ErrFull beyond this
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	s.Set("visits", 1, livedict.DefaultTTL)
	ttl, _ := s.TTL("visits")
	fmt.Println(ttl.Round(time.Hour)) // to the hour: the same however long the machine took
	// Output: 1h0m0s
}

func ExampleNew_invalidOption() {
	_, err := livedict.New(&livedict.Options[string, int]{MaxKeys: -1})
	fmt.Println(err)
	fmt.Println(errors.Is(err, livedict.ErrInvalidOption))
	// Output:
	// livedict: Options.MaxKeys: must be >= 0, got -1
	// true
}

func ExampleView_Get() {
	s, _ := livedict.New[string, []string](nil)
	defer s.Close()

	s.Set("roles:alice", []string{"admin", "dev"}, time.Hour)
	if roles, ok := s.Get("roles:alice"); ok {
		fmt.Println(roles)
	}
	if _, ok := s.Get("roles:bob"); !ok {
		fmt.Println("bob: not cached")
	}
	// Output:
	// [admin dev]
	// bob: not cached
}

func ExampleStore_Bucket() {
	s, _ := livedict.New(&livedict.Options[string, string]{
		Buckets: map[string]livedict.BucketOptions{
			"sessions": {DefaultTTL: 2 * time.Hour, MaxKeys: 10_000},
		},
	})
	defer s.Close()

	sessions := s.Bucket("sessions")
	sessions.Set("42", "alice", livedict.DefaultTTL)
	s.Set("42", "the answer", livedict.NoExpiry) // the default bucket: another key

	who, _ := sessions.Get("42")
	what, _ := s.Get("42")
	ttl, _ := sessions.TTL("42")
	fmt.Println(who, "/", what, "/", ttl.Round(time.Hour))
	// Output: alice / the answer / 2h0m0s
}

func ExampleOptions_hooks() {
	s, _ := livedict.New(&livedict.Options[string, int]{
		OnSet: []func(livedict.Event[string, int]){func(ev livedict.Event[string, int]) {
			fmt.Printf("set %s=%d\n", ev.Key, ev.Value)
		}},
		OnDelete: func(ev livedict.Event[string, int]) {
			fmt.Printf("%s %s\n", ev.Reason, ev.Key)
		},
		// OnExpire runs on the store's reaper goroutine when a deadline passes.
		OnExpire: func(ev livedict.Event[string, int]) {},
	})
	defer s.Close()

	s.Set("a", 1, time.Minute)
	s.Delete("a")
	// Output:
	// set a=1
	// deleted a
}

func ExampleView_All() {
	s, _ := livedict.New[string, int](nil)
	defer s.Close()
	for i, k := range []string{"c", "a", "b"} {
		s.Set(k, i, livedict.NoExpiry)
	}
	// All and Keys hold no lock while yielding; order is unspecified.
	m := maps.Collect(s.All())
	fmt.Println(m)
	fmt.Println(slices.Sorted(s.Keys()))
	// Output:
	// map[a:1 b:2 c:0]
	// [a b c]
}

func ExampleView_SetWith() {
	s, _ := livedict.New[string, string](nil)
	defer s.Close()

	s.SetWith("reset:alice", "link-123", livedict.SetOptions[string, string]{
		TTL:   15 * time.Minute,
		Token: "s3cret",
	})
	_, ok := s.Get("reset:alice")
	fmt.Println("without token:", ok)
	v, ok := s.GetWithToken("reset:alice", "s3cret")
	fmt.Println("with token:", v, ok)
	// Output:
	// without token: false
	// with token: link-123 true
}

func ExampleCompareAndSwap() {
	s, _ := livedict.New[string, int](nil)
	defer s.Close()
	s.Set("version", 1, livedict.NoExpiry)
	ok, _ := livedict.CompareAndSwap(s.Bucket(""), "version", 1, 2)
	fmt.Println(ok)
	ok, _ = livedict.CompareAndSwap(s.Bucket(""), "version", 1, 3)
	fmt.Println(ok)
	// Output:
	// true
	// false
}
