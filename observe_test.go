package livedict_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

func TestLoadStatsAndObservers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("loader failed")
		var panicked []string
		s := mustNew(t, &livedict.Options[int, string]{
			OnHookPanic: func(hook string, _ any) { panicked = append(panicked, hook) },
			Persist:     &livedict.Persist[int, string]{Backend: store.NewMemory(), Plaintext: true},
			Loader: func(_ context.Context, _ string, k int) (string, time.Duration, error) {
				time.Sleep(time.Duration(k) * time.Millisecond) // fake time: exact
				if k < 0 {
					return "", 0, boom
				}
				return "v", livedict.NoExpiry, nil
			}})
		defer s.Close()
		ctx := context.Background()
		var events []livedict.LoadEvent
		remove := s.AddLoadObserver(func(ev livedict.LoadEvent) { events = append(events, ev) })
		removePanicky := s.AddLoadObserver(func(livedict.LoadEvent) { panic("observer bug") })

		if _, err := s.Bucket("b").Load(ctx, 30); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Bucket("b").Load(ctx, 30); err != nil { // a memory hit: no Loader call
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, -1); !errors.Is(err, boom) {
			t.Fatalf("Load = %v, want the Loader's error", err)
		}
		want := livedict.LoadStats{Loads: 2, LoadErrors: 1, LoadTime: 30 * time.Millisecond}
		if got := s.LoadStats(); got != want {
			t.Fatalf("LoadStats = %+v, want %+v", got, want)
		}
		if len(events) != 2 || events[0] != (livedict.LoadEvent{Bucket: "b", Duration: 30 * time.Millisecond}) ||
			events[1].Bucket != "" || !errors.Is(events[1].Err, boom) {
			t.Fatalf("events = %+v", events)
		}
		if !slices.Equal(panicked, []string{"OnLoad", "OnLoad"}) {
			t.Fatalf("panics reported = %q, want two OnLoad", panicked)
		}
		remove()
		remove() // idempotent
		removePanicky()
		if _, err := s.Load(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || len(panicked) != 2 {
			t.Fatalf("a removed observer still ran: %d events, %d panics", len(events), len(panicked))
		}
		if got := s.LoadStats().Loads; got != 3 {
			t.Fatalf("Loads = %d, want 3", got)
		}
	})
}
