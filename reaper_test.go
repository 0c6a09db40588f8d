package livedict

import (
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// TestReapKeepsOnlyHooked: the reaper keeps an expired entry for its pass
// only when a hook will run for it. Without store-wide expiry hooks only
// entries with their own OnExpire are kept, both those the reaper removes
// and those a writer hands it; with a store-wide OnExpire or OnDelete,
// every one.
func TestReapKeepsOnlyHooked(t *testing.T) {
	noop := func(Event[string, int]) {}
	for _, tc := range []struct {
		name string
		opts *Options[string, int]
		want []string
	}{
		{"no hooks", nil, []string{"own"}},
		{"OnExpire", &Options[string, int]{OnExpire: noop}, []string{"own", "plain"}},
		{"OnDelete", &Options[string, int]{OnDelete: noop}, []string{"own", "plain"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, err := New(tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if err := s.Set("plain", 1, time.Second); err != nil {
					t.Fatal(err)
				}
				if err := s.SetWith("own", 2, SetOptions[string, int]{TTL: time.Second, OnExpire: noop}); err != nil {
					t.Fatal(err)
				}
				// Once the reaper, woken by the first deadline, sleeps until
				// it (a second away in the bubble's time), reap by hand,
				// past both deadlines.
				synctest.Wait()
				c := s.c
				var got []expired[string, int]
				for i := range c.shards {
					_, got = c.reapShard(&c.shards[i], math.MaxInt64-1, nil, got, false)
				}
				if keys := expiredKeys(got); !slices.Equal(keys, tc.want) {
					t.Errorf("reapShard kept %v, want %v", keys, tc.want)
				}
				if s.LenAll() != 0 {
					t.Errorf("%d entries left after reaping everything", s.LenAll())
				}
			})

			// A writer's hand-off is filtered the same way, and one that
			// hands over nothing with a hook wakes no one. A reaper that
			// is not running, so that nothing drains what it is handed.
			var r reaper[string, int]
			r.init(1, tc.opts != nil)
			plain := newEntry[string, int](0, "plain", 1, nil)
			own := newEntry(0, "own", 2, &entryExtra[string, int]{onExpire: noop})
			r.hand(expired[string, int]{plain, 1})
			if kicked, want := len(r.kickCh) == 1, tc.opts != nil; kicked != want {
				t.Errorf("handing over an entry without a hook: reaper woken %v, want %v", kicked, want)
			}
			r.hand(expired[string, int]{own, 1}, expired[string, int]{plain, 1})
			if len(r.kickCh) != 1 {
				t.Error("handing over an entry with a hook did not wake the reaper")
			}
			want := slices.Concat(tc.want, tc.want[1:])
			if keys := expiredKeys(r.handoff); !slices.Equal(keys, want) {
				t.Errorf("hand-off holds %v, want %v", keys, want)
			}
		})
	}
}

func expiredKeys(xs []expired[string, int]) []string {
	keys := make([]string, len(xs))
	for i, x := range xs {
		keys[i] = x.e.key
	}
	slices.Sort(keys)
	return keys
}
