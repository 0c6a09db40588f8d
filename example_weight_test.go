package livedict_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/livedict/livedict"
)

// A store bounded by the bytes its values hold rather than by a count of
// keys. Under Reject a write that does not fit fails with a FullError
// naming the weight limit.
func ExampleOptions_maxWeight() {
	s, err := livedict.New(&livedict.Options[string, []byte]{
		Weigher:   func(_ string, v []byte) uint32 { return uint32(len(v)) },
		MaxWeight: 1 << 10, // 1 KiB of values
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	_ = s.Set("a", make([]byte, 600), livedict.NoExpiry)
	err = s.Set("b", make([]byte, 600), livedict.NoExpiry)
	var full *livedict.FullError
	fmt.Println(errors.Is(err, livedict.ErrFull), errors.As(err, &full) && full.Weight)
	fmt.Println(err)
	fmt.Println("weight:", s.Stats().Weight)
	// Output:
	// true true
	// livedict: store is full: MaxWeight is 1024
	// weight: 600
}

// Under Evict, older entries make room for a new one.
func ExampleOptions_maxWeightEvict() {
	s, err := livedict.New(&livedict.Options[string, string]{
		Weigher:   func(_ string, v string) uint32 { return uint32(len(v)) },
		MaxWeight: 10,
		Policy:    livedict.Evict,
		Shards:    1,
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, k := range []string{"k1", "k2", "k3"} {
		_ = s.Set(k, "1234", livedict.NoExpiry)
	}
	st := s.Stats()
	fmt.Println("entries:", st.Entries, "weight:", st.Weight, "evicted:", st.Evictions)
	// Output:
	// entries: 2 weight: 8 evicted: 1
}

// SetUntil stores an entry until a given time, kept exactly: no TTL to
// compute, and no sentinel to land on by accident.
func ExampleView_SetUntil() {
	s, err := livedict.New[string, string](nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	expires := time.Now().Add(time.Hour)
	_ = s.SetUntil("session", "alice", expires)
	d, _ := s.Deadline("session")
	fmt.Println(d.Equal(expires))

	err = s.SetUntil("late", "bob", time.Now().Add(-time.Second))
	fmt.Println(errors.Is(err, livedict.ErrDeadlinePassed), s.Has("late"))

	_ = s.SetUntil("forever", "carol", time.Time{}) // the zero Time: no expiry
	ttl, _ := s.TTL("forever")
	fmt.Println(ttl == livedict.NoExpiry)
	// Output:
	// true
	// true false
	// true
}
