package livedict_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/store"
)

// wantDeadline checks that key's deadline equals want exactly.
func wantDeadline(t *testing.T, what string, v *livedict.View[string, string], key string, want time.Time) {
	t.Helper()
	got, ok := v.Deadline(key)
	if !ok || !got.Equal(want) {
		t.Fatalf("%s: Deadline(%q) = %v, %v; want exactly %v", what, key, got, ok, want)
	}
}

// TestSetUntilExact: an absolute deadline is kept to the nanosecond,
// whether the time carries a monotonic reading or not.
func TestSetUntilExact(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{})
	defer s.Close()
	withMono := time.Now().Add(time.Hour + 123*time.Nanosecond)
	wallOnly := time.Now().Add(2*time.Hour + 456*time.Nanosecond).Round(0) // as decoded from a record
	if err := s.SetUntil("mono", "v", withMono); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUntil("wall", "v", wallOnly); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, "monotonic time", s.Bucket(""), "mono", withMono)
	wantDeadline(t, "wall-clock time", s.Bucket(""), "wall", wallOnly)
	for it := range s.Items() {
		want := map[string]time.Time{"mono": withMono, "wall": wallOnly}[it.Key]
		if !it.Deadline.Equal(want) {
			t.Fatalf("Items: %q expires at %v, want %v", it.Key, it.Deadline, want)
		}
	}
	// A deadline read back can be written back as it is.
	d, _ := s.Deadline("wall")
	if err := s.SetUntil("copy", "v", d); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, "deadline written back", s.Bucket(""), "copy", wallOnly)
}

// TestSetUntilEdges: the zero Time means no expiry; a time not in the
// future fails with ErrDeadlinePassed and one past MaxTTL with
// ErrInvalidTTL, leaving the key as it was.
func TestSetUntilEdges(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{})
	defer s.Close()
	if err := s.SetUntil("k", "none", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ttl, ok := s.TTL("k"); !ok || ttl != livedict.NoExpiry {
		t.Fatalf("zero Time: TTL = %v, %v; want NoExpiry", ttl, ok)
	}
	at := time.Now().Add(time.Hour)
	if err := s.SetUntil("k", "v", at); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		at   time.Time
		want error
	}{
		{"past", time.Now().Add(-time.Second), livedict.ErrDeadlinePassed},
		{"long past", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), livedict.ErrDeadlinePassed},
		{"past MaxTTL", time.Now().Add(livedict.MaxTTL + time.Hour), livedict.ErrInvalidTTL},
		{"far future", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), livedict.ErrInvalidTTL},
	} {
		if err := s.SetUntil("k", "other", c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: SetUntil = %v, want %v", c.name, err, c.want)
		}
		if err := s.SetWith("k", "other", livedict.SetOptions[string, string]{ExpireAt: c.at}); !errors.Is(err, c.want) {
			t.Errorf("%s: SetWith ExpireAt = %v, want %v", c.name, err, c.want)
		}
		if ok, err := s.TouchUntilContext(t.Context(), "k", c.at); ok || !errors.Is(err, c.want) {
			t.Errorf("%s: TouchUntilContext = %v, %v; want false, %v", c.name, ok, err, c.want)
		}
		if s.TouchUntil("k", c.at) {
			t.Errorf("%s: TouchUntil reported a change", c.name)
		}
		if v, _ := s.Get("k"); v != "v" {
			t.Fatalf("%s: the refused write replaced the value: %q", c.name, v)
		}
		wantDeadline(t, c.name+": deadline unchanged", s.Bucket(""), "k", at)
	}
}

// TestSetWithExpireAt: SetOptions.ExpireAt sets an exact deadline next to
// the other per-entry options, and refuses a TTL given with it.
func TestSetWithExpireAt(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{})
	defer s.Close()
	at := time.Now().Add(time.Minute).Round(0)
	if err := s.SetWith("k", "v", livedict.SetOptions[string, string]{ExpireAt: at, Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.GetWithToken("k", "tok"); !ok || v != "v" {
		t.Fatalf("GetWithToken = %q, %v", v, ok)
	}
	if s.Has("k") {
		t.Fatal("the token was not applied")
	}
	if err := s.SetWith("j", "v", livedict.SetOptions[string, string]{ExpireAt: at}); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, "SetWith ExpireAt", s.Bucket(""), "j", at)
	if err := s.SetWith("j", "w", livedict.SetOptions[string, string]{ExpireAt: at, TTL: time.Hour}); !errors.Is(err, livedict.ErrInvalidTTL) {
		t.Fatalf("ExpireAt with a TTL: %v, want ErrInvalidTTL", err)
	}
}

// TestTouchUntil: TouchUntil moves a live entry's deadline to an exact
// time, or removes it with the zero Time, and misses absent and guarded
// entries.
func TestTouchUntil(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{})
	defer s.Close()
	if err := s.Set("k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(3 * time.Hour).Round(0)
	if !s.TouchUntil("k", at) {
		t.Fatal("TouchUntil missed a live entry")
	}
	wantDeadline(t, "after TouchUntil", s.Bucket(""), "k", at)
	if !s.TouchUntil("k", time.Time{}) {
		t.Fatal("TouchUntil with the zero Time missed")
	}
	if ttl, ok := s.TTL("k"); !ok || ttl != livedict.NoExpiry {
		t.Fatalf("after TouchUntil(zero): TTL = %v, %v; want NoExpiry", ttl, ok)
	}
	if s.TouchUntil("absent", at) {
		t.Fatal("TouchUntil found an absent key")
	}
	if err := s.SetWith("g", "v", livedict.SetOptions[string, string]{Token: "tok", TTL: livedict.NoExpiry}); err != nil {
		t.Fatal(err)
	}
	if s.TouchUntil("g", at) {
		t.Fatal("TouchUntil re-timed a guarded entry")
	}
}

// TestSetUntilExpires: an entry set until a time expires then, and its
// OnExpire runs, in virtual time.
func TestSetUntilExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var fired atomic.Int64
		s := mustNew(t, &livedict.Options[string, string]{OnExpire: func(livedict.Event[string, string]) { fired.Add(1) }})
		defer s.Close()
		at := time.Now().Add(50 * time.Millisecond)
		if err := s.SetUntil("k", "v", at); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(at) - time.Nanosecond)
		if _, ok := s.Get("k"); !ok {
			t.Fatal("expired before its deadline")
		}
		time.Sleep(10 * time.Millisecond)
		synctest.Wait()
		if _, ok := s.Get("k"); ok || fired.Load() != 1 {
			t.Fatalf("after the deadline: present %v, OnExpire ran %d times; want gone, once", ok, fired.Load())
		}
	})
}

// TestWarmRestoresExactDeadline: Warm and Load give an entry the deadline
// its record holds, to the nanosecond, rather than one recomputed from a
// TTL.
func TestWarmRestoresExactDeadline(t *testing.T) {
	ctx := t.Context()
	data := new(store.MemoryData)
	opts := func() *livedict.Options[string, string] {
		return &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
			Backend: store.NewMemoryShared(data), Plaintext: true,
		}}
	}
	at := time.Now().Add(time.Hour + 987654321*time.Nanosecond)
	w := mustNew(t, opts())
	for _, k := range []string{"warm", "load"} {
		if err := w.SetUntil(k, "v", at); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	keys, err := codec.KeyFor[string]()
	if err != nil {
		t.Fatal(err)
	}
	recs := map[string]time.Time{}
	for r, err := range store.NewMemoryShared(data).Scan(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		k, err := keys.DecodeKey(r.Key)
		if err != nil {
			t.Fatal(err)
		}
		recs[k] = r.ExpireAt
	}
	if len(recs) != 2 {
		t.Fatalf("backend holds %d records, want 2", len(recs))
	}
	s := mustNew(t, opts())
	defer s.Close()
	if v, err := s.Load(ctx, "load"); err != nil || v != "v" {
		t.Fatalf("Load = %q, %v", v, err)
	}
	if n, err := s.Warm(ctx); err != nil || n != 1 {
		t.Fatalf("Warm = %d, %v; want 1 (the other is loaded)", n, err)
	}
	for k, exp := range recs {
		if exp.IsZero() {
			t.Fatalf("record %q has no expiry", k)
		}
		wantDeadline(t, "restored "+k, s.Bucket(""), k, exp)
	}
}

// TestTTLSentinelsAreNotDurations: what the package doc warns of: a TTL
// of 0 is the default TTL and -1ns is no expiry, -2ns keeps the deadline,
// and other negative TTLs are refused.
func TestTTLSentinelsAreNotDurations(t *testing.T) {
	synctest.Test(t, testTTLSentinels) // time stands still: TTL reads exactly
}

func testTTLSentinels(t *testing.T) {
	s := mustNew(t, &livedict.Options[string, string]{DefaultTTL: time.Hour})
	defer s.Close()
	if err := s.Set("zero", "v", 0); err != nil {
		t.Fatal(err)
	}
	if ttl, ok := s.TTL("zero"); !ok || ttl != time.Hour {
		t.Fatalf("TTL 0: left %v, %v; want the default hour", ttl, ok)
	}
	if err := s.Set("minus1", "v", -1); err != nil {
		t.Fatal(err)
	}
	if ttl, ok := s.TTL("minus1"); !ok || ttl != livedict.NoExpiry {
		t.Fatalf("TTL -1ns: %v, %v; want NoExpiry", ttl, ok)
	}
	at, _ := s.Deadline("zero")
	if err := s.Set("zero", "w", -2); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, "TTL -2ns", s.Bucket(""), "zero", at)
	if err := s.Set("minus3", "v", -3); !errors.Is(err, livedict.ErrInvalidTTL) {
		t.Fatalf("TTL -3ns: %v, want ErrInvalidTTL", err)
	}
}
