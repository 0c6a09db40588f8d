package fleet_test

import (
	"context"
	"errors"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store/redis"

	"github.com/livedict/livedict/store/redis/fleet"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// TestProcLostReplyAppliesOnce: when the connection breaks after Redis ran
// a write but before its reply arrived, the write may report an error (its
// outcome unknown) but must not be applied twice. A proxy loses the reply
// of the script of an Add, and of a Delete; a second Map, straight on the
// server, reads what Redis holds.
func TestProcLostReplyAppliesOnce(t *testing.T) {
	srv := redistest.Start(t)
	px := redistest.StartProxy(t, srv.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), procWait)
	defer cancel()
	open := func(url string) *fleet.Map[string, int64] {
		m, err := fleet.Open(ctx, fleet.Options[string, int64]{URL: url, Name: "lost-reply"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		return m
	}
	m, direct := open(px.URL()), open(srv.URL())

	t.Run("Add", func(t *testing.T) {
		// The first Add loads the scripts (EVALSHA answers NOSCRIPT, then
		// EVAL). The second reads the key and its version with one script
		// and writes with another: lose the reply of the second.
		if _, err := fleet.Add(ctx, m, "n", 1, 0); err != nil {
			t.Fatal(err)
		}
		dropped := px.DropReplyTo("evalsha", 2)
		v, err := fleet.Add(ctx, m, "n", 1, 0)
		select {
		case <-dropped:
		default:
			t.Fatal("the proxy dropped no reply", err)
		}
		got, gerr := fleet.Add(ctx, direct, "n", 0, 0)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if got != 2 {
			t.Fatalf("Redis holds %d after 1 + 1 (the second Add returned %d, %v): applied %d times", got, v, err, got-1)
		}
		if err != nil && !errors.Is(err, fleet.ErrOutcomeUnknown) {
			t.Fatalf("the second Add failed with %v, want an error matching ErrOutcomeUnknown", err)
		}
		if err == nil && v != 2 {
			t.Fatalf("the second Add returned %d, want 2", v)
		}
	})
	t.Run("ClientWithRetries", func(t *testing.T) {
		// A client of the caller's own, with go-redis's retries on: the
		// write is still sent once.
		rc := goredis.NewClient(&goredis.Options{Addr: px.Addr, MaxRetries: 3, ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = rc.Close() })
		mc, err := fleet.Open(ctx, fleet.Options[string, int64]{Redis: redis.Options{Client: rc}, Name: "lost-reply"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = mc.Close() })
		if _, err := fleet.Add(ctx, mc, "c", 1, 0); err != nil {
			t.Fatal(err)
		}
		dropped := px.DropReplyTo("evalsha", 2)
		v, err := fleet.Add(ctx, mc, "c", 1, 0)
		select {
		case <-dropped:
		default:
			t.Fatal("the proxy dropped no reply", err)
		}
		if got, gerr := fleet.Add(ctx, direct, "c", 0, 0); gerr != nil || got != 2 {
			t.Fatalf("Redis holds %d, %v after 1 + 1 (the second Add returned %d, %v)", got, gerr, v, err)
		}
		if err != nil && !errors.Is(err, fleet.ErrOutcomeUnknown) {
			t.Fatalf("the second Add failed with %v, want an error matching ErrOutcomeUnknown", err)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if err := m.Set(ctx, "d", 1); err != nil {
			t.Fatal(err)
		}
		dropped := px.DropReplyTo("del", 1)
		found, err := m.Delete(ctx, "d")
		select {
		case <-dropped:
		default:
			t.Fatal("the proxy dropped no reply", err)
		}
		if _, ok, gerr := direct.Get(ctx, "d"); gerr != nil || ok {
			t.Fatalf("direct Get after Delete: found %t, %v", ok, gerr)
		}
		if err != nil && !errors.Is(err, fleet.ErrOutcomeUnknown) {
			t.Fatalf("Delete failed with %v, want an error matching ErrOutcomeUnknown", err)
		}
		if err == nil && !found {
			t.Fatal("Delete removed the entry but reported it absent (a retried DEL answered 0)")
		}
	})
}
