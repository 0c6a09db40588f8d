package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/livedict/livedict/store"
)

// These tests kill the Store's server connections with
// pg_terminate_backend, as an operator or a failover does, and check that
// no acknowledged write is lost, that the pool replaces the dead
// connections, and that later writes succeed.

// terminable opens a Store whose connections carry an application_name of
// their own, so that the test can find and kill them, with statements of
// 16 records so that a PutBatch of more is a transaction of several.
func terminable(t *testing.T) (*Store, string) {
	t.Helper()
	app := randomName("livedict_term_")
	s := mustOpen(t, dsnWith(t, url.Values{"application_name": {app}}), &Options{Schema: newSchema(t), SweepInterval: -1})
	s.chunkRows = 16
	return s, app
}

// terminate kills the backend of pid, or every backend named app when pid
// is 0, and waits until each is gone. It returns how many it killed.
func terminate(t *testing.T, admin *pgx.Conn, app string, pid uint32) int {
	t.Helper()
	if app == "" && pid == 0 {
		t.Fatal("terminate needs an application name or a pid")
	}
	var n int
	// CASE, not AND: PostgreSQL may evaluate the terms of an AND in any
	// order, and must never signal a backend that is not the test's.
	err := admin.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE CASE WHEN datname = current_database() AND CASE WHEN $2 = 0 THEN application_name = $1 ELSE pid = $2 END
			THEN pg_terminate_backend(pid, 10000) ELSE false END`, app, int64(pid)).Scan(&n)
	if err != nil {
		t.Errorf("pg_terminate_backend: %v", err)
	}
	return n
}

func termRecords(batch, n int) []store.Record {
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{Bucket: "term", Key: fmt.Appendf(nil, "b%04d-%03d", batch, i), Value: fmt.Appendf(nil, "batch %d record %d", batch, i)}
	}
	return rs
}

// wantStored checks that every record of rs is stored with its value.
func wantStored(t *testing.T, s *Store, rs []store.Record) {
	t.Helper()
	for _, r := range rs {
		got, err := s.Get(context.Background(), r.Bucket, r.Key)
		if err != nil || !bytes.Equal(got.Value, r.Value) {
			t.Fatalf("acknowledged record %q: Get = %q, %v; want %q", r.Key, got.Value, err, r.Value)
		}
	}
}

// TestTerminateMidBatch kills the connection of a PutBatch's transaction
// after its first statement, before its commit.
func TestTerminateMidBatch(t *testing.T) {
	s, app := terminable(t)
	admin := connect(t)
	ctx := t.Context()

	t.Run("OnceABatch", func(t *testing.T) {
		// The first attempt of each batch loses its connection; the
		// second, on a new one, commits. PutBatch returns nil.
		kills, calls := 0, 0
		s.midBatch = func(_ context.Context, c *pgx.Conn) {
			calls++
			if calls%2 == 1 {
				kills += terminate(t, admin, "", c.PgConn().PID())
			}
		}
		defer func() { s.midBatch = nil }()
		before := s.retries.Load()
		for b := range 10 {
			rs := termRecords(b, 64)
			if err := s.PutBatch(ctx, rs); err != nil {
				t.Fatalf("PutBatch %d with its connection killed once = %v, want nil (run again on a new connection)", b, err)
			}
			wantStored(t, s, rs)
		}
		if kills != 10 || s.retries.Load()-before != 10 {
			t.Errorf("%d connections killed, %d retries; want 10 of each", kills, s.retries.Load()-before)
		}
	})

	t.Run("EveryAttempt", func(t *testing.T) {
		// Every attempt loses its connection: PutBatch gives up after
		// maxAttempts, the transaction never committed, and none of the
		// batch is stored. The next batch succeeds.
		attempts := 0
		s.midBatch = func(_ context.Context, c *pgx.Conn) {
			attempts++
			terminate(t, admin, "", c.PgConn().PID())
		}
		rs := termRecords(100, 64)
		err := s.PutBatch(ctx, rs)
		s.midBatch = nil
		if err == nil || attempts != maxAttempts {
			t.Fatalf("PutBatch whose every connection is killed = %v after %d attempts; want an error after %d", err, attempts, maxAttempts)
		}
		for _, r := range rs {
			if _, err := s.Get(ctx, r.Bucket, r.Key); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("record %q of the failed batch: Get = %v, want ErrNotFound (the transaction never committed)", r.Key, err)
			}
		}
		rs = termRecords(101, 64)
		if err := s.PutBatch(ctx, rs); err != nil {
			t.Fatalf("PutBatch after the failed one = %v", err)
		}
		wantStored(t, s, rs)
	})

	t.Run("IdleConnections", func(t *testing.T) {
		// Every pooled connection is killed while idle: the next calls
		// find a dead connection and go on with a new one.
		for i := range 5 {
			if err := s.Put(ctx, store.Record{Bucket: "term", Key: []byte("idle"), Value: []byte(strconv.Itoa(i))}); err != nil {
				t.Fatalf("Put %d = %v", i, err)
			}
			if n := terminate(t, admin, app, 0); n == 0 {
				t.Fatalf("round %d: no connection of the Store to kill", i)
			}
			r, err := s.Get(ctx, "term", []byte("idle"))
			if err != nil || string(r.Value) != strconv.Itoa(i) {
				t.Fatalf("Get after the pool's connections were killed = %q, %v; want %q", r.Value, err, strconv.Itoa(i))
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping after the pool's connections were killed = %v", err)
			}
		}
	})
}

// TestTerminateUnderLoad kills the Store's connections at whatever point
// a stream of batches has reached (acquiring, mid-statement, committing,
// after the commit) until 30 kills have landed. Every batch PutBatch
// acknowledged is stored, the key every batch rewrites holds the last
// acknowledged batch or a later one (a retried batch never brings back an
// older value), and writes after the kills succeed.
func TestTerminateUnderLoad(t *testing.T) {
	s, app := terminable(t)
	admin := connect(t)
	ctx := t.Context()

	const wantKills = 30
	starting := make(chan struct{}, 1)
	done := make(chan struct{})
	var (
		wg       sync.WaitGroup
		acked    [][]store.Record
		lastAck  = -1
		failures int
	)
	wg.Go(func() {
		for b := 0; ; b++ {
			select {
			case <-done:
				return
			case starting <- struct{}{}:
			default:
			}
			rs := termRecords(b, 40)
			hot := store.Record{Bucket: "term", Key: []byte("hot"), Value: []byte(strconv.Itoa(b))}
			if err := s.PutBatch(ctx, append(rs, hot)); err != nil {
				failures++ // not acknowledged: may or may not be stored
				continue
			}
			acked = append(acked, rs)
			lastAck = b
		}
	})
	kills := 0
	for kills < wantKills && !t.Failed() { // a failed kill would never count
		<-starting
		kills += terminate(t, admin, app, 0)
	}
	close(done)
	wg.Wait()

	final := termRecords(1_000_000, 40)
	if err := s.PutBatch(ctx, final); err != nil {
		t.Fatalf("PutBatch after the kills = %v", err)
	}
	for _, rs := range acked {
		wantStored(t, s, rs)
	}
	wantStored(t, s, final)
	r, err := s.Get(ctx, "term", []byte("hot"))
	if hot, _ := strconv.Atoi(string(r.Value)); err != nil || hot < lastAck {
		t.Errorf("the key every batch rewrites holds batch %q, %v; want %d or later", r.Value, err, lastAck)
	}
	t.Logf("%d kills: %d batches acknowledged, %d failed after %d attempts, %d operations retried", kills, len(acked), failures, maxAttempts, s.retries.Load())
}
