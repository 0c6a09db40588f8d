package livedict_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/livedict/livedict"
)

// With RefreshAfter, a Load that finds an entry due for a reload answers
// it at once and reloads the key in the background. Age is measured
// against the bucket's default TTL: an entry with one minute left of an
// hour's TTL is 59 minutes old, past RefreshAfter.
func ExampleOptions_refreshAfter() {
	version := 0
	s, err := livedict.New(&livedict.Options[string, string]{
		DefaultTTL:   time.Hour,
		RefreshAfter: 50 * time.Minute,
		Loader: func(_ context.Context, _ string, key string) (string, time.Duration, error) {
			version++
			return fmt.Sprintf("%s v%d", key, version), livedict.DefaultTTL, nil
		},
	})
	if err != nil {
		panic(err)
	}
	_ = s.Set("price", "price v0", time.Minute) // written long ago, one minute left

	v, _ := s.Load(context.Background(), "price") // due: answered at once, reloaded behind
	fmt.Println(v)
	_ = s.Close() // waits for the reload
	fmt.Println("reloads:", s.LoadStats().Refreshes)
	// Output:
	// price v0
	// reloads: 1
}

// With NegativeTTL, the Loader's "does not exist" is remembered: Loads of
// the key report ErrNotFound without asking again, until a write of the
// key or until NegativeTTL passes.
func ExampleOptions_negativeTTL() {
	s, err := livedict.New(&livedict.Options[string, string]{
		NegativeTTL: time.Minute,
		Loader: func(context.Context, string, string) (string, time.Duration, error) {
			return "", 0, livedict.ErrNotFound
		},
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	for range 3 {
		_, err := s.Load(ctx, "user:42")
		fmt.Println(errors.Is(err, livedict.ErrNotFound))
	}
	fmt.Printf("Loader calls: %d, answered from memory: %d\n", s.LoadStats().Loads, s.LoadStats().NegativeHits)
	_ = s.Set("user:42", "Ada", livedict.DefaultTTL) // ends the negative answer at once
	v, _ := s.Load(ctx, "user:42")
	fmt.Println(v)
	// Output:
	// true
	// true
	// true
	// Loader calls: 1, answered from memory: 2
	// Ada
}

// LoadMany answers the keys in memory and loads the others with one
// BulkLoader call; keys that exist nowhere are left out of the map.
func ExampleView_LoadMany() {
	users := map[int]string{1: "Ada", 2: "Grace", 3: "Edsger"}
	calls := 0
	s, err := livedict.New(&livedict.Options[int, string]{
		BulkLoader: func(_ context.Context, _ string, ids []int) (map[int]string, time.Duration, error) {
			calls++
			out := make(map[int]string)
			for _, id := range ids {
				if name, ok := users[id]; ok {
					out[id] = name
				}
			}
			return out, livedict.DefaultTTL, nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	_ = s.Set(1, "Ada (cached)", livedict.DefaultTTL)

	got, err := s.LoadMany(context.Background(), []int{1, 2, 3, 4})
	if err != nil {
		panic(err)
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		fmt.Println(id, got[id])
	}
	fmt.Println("BulkLoader calls:", calls)
	// Output:
	// 1 Ada (cached)
	// 2 Grace
	// 3 Edsger
	// BulkLoader calls: 1
}
