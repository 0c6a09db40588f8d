package livedict_test

import (
	"maps"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
)

func TestViewItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore[string, int](t, nil)
		b := s.Bucket("b")
		b.Set("forever", 1, livedict.NoExpiry)
		b.Set("hour", 2, time.Hour)
		b.Set("second", 3, time.Second)
		if err := b.SetWith("guarded", 4, livedict.SetOptions[string, int]{Token: "t"}); err != nil {
			t.Fatal(err)
		}
		s.Set("other bucket", 5, livedict.NoExpiry)
		time.Sleep(2 * time.Second) // "second" expires

		got := map[string]livedict.Item[string, int]{}
		for it := range b.Items() {
			got[it.Key] = it
		}
		hour, _ := b.Deadline("hour")
		want := map[string]livedict.Item[string, int]{
			"forever": {Key: "forever", Value: 1},
			"hour":    {Key: "hour", Value: 2, Deadline: hour},
		}
		if !maps.EqualFunc(got, want, func(a, b livedict.Item[string, int]) bool {
			return a.Key == b.Key && a.Value == b.Value && a.Deadline.Equal(b.Deadline)
		}) {
			t.Errorf("Items() = %v, want %v (no guarded, expired or other-bucket entry)", got, want)
		}
		if st := s.Stats(); st.Hits != 0 || st.Misses != 0 {
			t.Errorf("Items counted reads: %+v", st)
		}
		s.Close()
	})
}
