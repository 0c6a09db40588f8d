package livedict_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/livedict/livedict"
)

func ExampleView_SetMany() {
	s, _ := livedict.New(&livedict.Options[string, int]{MaxKeys: 3})
	defer s.Close()

	// One call, each shard lock taken once. Three keys fit; a fourth
	// does not, and the error says which one by index.
	err := s.SetMany([]string{"a", "b", "c"}, []int{1, 2, 3}, time.Hour)
	fmt.Println(err)

	keys := []string{"a", "d"}
	err = s.SetMany(keys, []int{10, 4}, time.Hour)
	var be *livedict.BulkError
	if errors.As(err, &be) {
		for _, f := range be.Failed {
			fmt.Println(keys[f.Index], "refused:", errors.Is(f.Err, livedict.ErrFull))
		}
	}
	v, _ := s.Get("a")
	fmt.Println("a =", v) // the update of a present key went through
	// Output:
	// <nil>
	// d refused: true
	// a = 10
}

func ExampleView_GetMany() {
	s, _ := livedict.New[string, int](nil)
	defer s.Close()
	s.SetMany([]string{"x", "y"}, []int{1, 2}, livedict.NoExpiry)

	found := s.GetMany([]string{"x", "y", "z"}) // only the hits
	fmt.Println(slices.Sorted(maps.Keys(found)), found["y"])
	// Output: [x y] 2
}

func ExampleView_GetManyInto() {
	s, _ := livedict.New[int, string](nil)
	defer s.Close()
	s.SetMany([]int{1, 3}, []string{"one", "three"}, livedict.NoExpiry)

	// Buffers reused across calls: no allocation at all.
	keys := []int{1, 2, 3}
	values, found := make([]string, len(keys)), make([]bool, len(keys))
	n, err := s.GetManyInto(keys, values, found)
	fmt.Println(n, err, values, found)
	// Output: 2 <nil> [one  three] [true false true]
}

func ExampleView_DeleteMany() {
	s, _ := livedict.New[string, int](nil)
	defer s.Close()
	s.SetMany([]string{"a", "b", "c"}, []int{1, 2, 3}, livedict.NoExpiry)

	fmt.Println(s.DeleteMany([]string{"a", "c", "nope"}), s.Len())
	// Output: 2 1
}
