package redis_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// TestFaults runs fault cases in parallel, each against a server of its
// own that it freezes or kills.
func TestFaults(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, srv *redistest.Server)
	}{
		{"HungServer", testHungServer},
		{"CallerDeadline", testCallerDeadline},
		{"KillRestart", testKillRestart},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, redistest.Start(t))
		})
	}
}

// A frozen server (SIGSTOP) makes every call return an error matching
// context.DeadlineExceeded once Options.Timeout passes, instead of
// blocking; after SIGCONT the same Store works again. The calls run at
// once, so the test waits one Timeout, not one per call. The real clock
// runs here, but nothing is asserted about durations: a call that hung
// would make the test time out.
func testHungServer(t *testing.T, srv *redistest.Server) {
	s, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	thawed := false
	defer func() {
		if !thawed {
			_ = srv.Cont()
		}
	}()
	calls := map[string]func() error{
		"Get": func() error {
			_, err := s.Get(ctx, "b", []byte("k"))
			return err
		},
		"Put": func() error {
			return s.Put(ctx, store.Record{Bucket: "b", Key: []byte("k2"), Value: []byte("v")})
		},
		"PutBatch": func() error {
			return s.PutBatch(ctx, []store.Record{{Bucket: "b", Key: []byte("k3"), Value: []byte("v")}})
		},
		"Delete": func() error { return s.Delete(ctx, "b", []byte("k")) },
		"Ping":   func() error { return s.Ping(ctx) },
		"Scan": func() error {
			var scanErr error
			for _, err := range s.Scan(ctx, "b") {
				scanErr = err
			}
			return scanErr
		},
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = map[string]error{}
	)
	for op, call := range calls {
		wg.Go(func() {
			err := call()
			mu.Lock()
			errs[op] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for op, err := range errs {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s against a frozen server = %v, want an error matching context.DeadlineExceeded", op, err)
		}
	}

	if err := srv.Cont(); err != nil {
		t.Fatal(err)
	}
	thawed = true
	// The writes sent while frozen may or may not have been applied once
	// the server thawed, so only writes made now are checked.
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("after"), Value: []byte("v")})
	if r, err := s.Get(ctx, "b", []byte("after")); err != nil || string(r.Value) != "v" {
		t.Errorf("Get after the server thawed = (%q, %v), want %q", r.Value, err, "v")
	}
}

// A caller's deadline earlier than Options.Timeout wins, and the error
// matches the caller's context.
func testCallerDeadline(t *testing.T, srv *redistest.Server) {
	s, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	defer srv.Cont()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err = s.Get(ctx, "b", []byte("k"))
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() == nil {
		t.Errorf("Get with a caller deadline against a frozen server = %v (ctx.Err %v), want the caller's context.DeadlineExceeded", err, ctx.Err())
	}
}

// A crashed server gives errors (not ErrNotFound); once it is back the
// Store reconnects by itself. Without persistence the server comes back
// empty, which is what Redis promises for such a setup.
func testKillRestart(t *testing.T, srv *redistest.Server) {
	s, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "b", []byte("k"))
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with the server down = %v, want a connection error", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Errorf("Ping with the server down = nil, want an error")
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart = %v", err)
	}
	if _, err := s.Get(ctx, "b", []byte("k")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after a restart without persistence = %v, want store.ErrNotFound", err)
	}
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v2")})
	if r, err := s.Get(ctx, "b", []byte("k")); err != nil || string(r.Value) != "v2" {
		t.Errorf("Get after restart = (%q, %v), want %q", r.Value, err, "v2")
	}
}
