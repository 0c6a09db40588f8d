package livedict_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

const (
	guardToken = "t0ken"
	wrongToken = "t0kem" // same length: only the bytes differ
)

// What a guarded entry looks like after an operation, read with its token.
const (
	kept      = "42 guarded, expires at 1h" // as SetWith left it
	absent    = "absent"
	retimed   = "42 guarded, expires after 1h"
	rewritten = "7 guarded, expires after 1h"
)

// TestGuardedEntries runs every View method on a key holding 42 behind an
// access token (TTL 1h), beside an unguarded key "u", with no token, a
// wrong one and the right one where the method takes one. The rule (package
// doc, "Access tokens"): without the token a guarded entry is a miss, and
// no operation replaces, removes, re-times or unguards it.
func TestGuardedEntries(t *testing.T) {
	type row struct {
		token  string // presented, for the methods that take one
		result string
		after  string
	}
	none := func(result string) []row { return []row{{"", result, kept}} }
	refused := func(result string) []row {
		return []row{{"", result, kept}, {wrongToken, result, kept}}
	}
	cases := []struct {
		name string
		call func(v *livedict.View[string, int], token string) string
		rows []row
	}{
		{"Get", func(v *livedict.View[string, int], _ string) string { return fmt.Sprint(v.Get("k")) }, none("0 false")},
		{"GetWithToken", func(v *livedict.View[string, int], tok string) string { return fmt.Sprint(v.GetWithToken("k", tok)) },
			append(refused("0 false"), row{guardToken, "42 true", kept})},
		{"Has", func(v *livedict.View[string, int], _ string) string { return fmt.Sprint(v.Has("k")) }, none("false")},
		{"TTL", func(v *livedict.View[string, int], _ string) string { return fmt.Sprint(v.TTL("k")) }, none("0s false")},
		{"Deadline", func(v *livedict.View[string, int], _ string) string {
			d, ok := v.Deadline("k")
			return fmt.Sprint(d.IsZero(), ok)
		}, none("true false")},
		{"Set", func(v *livedict.View[string, int], _ string) string { return errName(v.Set("k", 7, time.Hour)) }, none("ErrGuarded")},
		{"Set/KeepTTL", func(v *livedict.View[string, int], _ string) string { return errName(v.Set("k", 7, livedict.KeepTTL)) }, none("ErrGuarded")},
		{"SetContext", func(v *livedict.View[string, int], _ string) string {
			return errName(v.SetContext(context.Background(), "k", 7, livedict.NoExpiry))
		}, none("ErrGuarded")},
		{"SetWith", func(v *livedict.View[string, int], tok string) string {
			return errName(v.SetWith("k", 7, livedict.SetOptions[string, int]{TTL: 2 * time.Hour, Token: tok}))
		}, append(refused("ErrGuarded"), row{guardToken, "nil", rewritten})},
		{"Delete", func(v *livedict.View[string, int], _ string) string { return fmt.Sprint(v.Delete("k")) }, none("false")},
		{"DeleteContext", func(v *livedict.View[string, int], _ string) string {
			ok, err := v.DeleteContext(context.Background(), "k")
			return fmt.Sprint(ok, " ", errName(err))
		}, none("false nil")},
		{"DeleteWithToken", func(v *livedict.View[string, int], tok string) string { return fmt.Sprint(v.DeleteWithToken("k", tok)) },
			append(refused("false"), row{guardToken, "true", absent})},
		{"Touch/shorter", func(v *livedict.View[string, int], _ string) string {
			return fmt.Sprint(v.Touch("k", time.Millisecond))
		}, none("false")},
		{"Touch/NoExpiry", func(v *livedict.View[string, int], _ string) string {
			return fmt.Sprint(v.Touch("k", livedict.NoExpiry))
		}, none("false")},
		{"TouchContext", func(v *livedict.View[string, int], _ string) string {
			ok, err := v.TouchContext(context.Background(), "k", 2*time.Hour)
			return fmt.Sprint(ok, " ", errName(err))
		}, none("false nil")},
		{"TouchWithToken", func(v *livedict.View[string, int], tok string) string {
			return fmt.Sprint(v.TouchWithToken("k", 2*time.Hour, tok))
		}, append(refused("false"), row{guardToken, "true", retimed})},
		{"GetOrSet", func(v *livedict.View[string, int], _ string) string {
			got, loaded, err := v.GetOrSet("k", 7, time.Hour)
			return fmt.Sprint(got, " ", loaded, " ", errName(err))
		}, none("0 false ErrGuarded")},
		{"SetIfAbsent", func(v *livedict.View[string, int], _ string) string {
			ok, err := v.SetIfAbsent("k", 7, time.Hour)
			return fmt.Sprint(ok, " ", errName(err))
		}, none("false ErrGuarded")},
		{"Update/stores", func(v *livedict.View[string, int], _ string) string {
			var saw string
			got, ok, err := v.Update("k", livedict.KeepTTL, func(old int, found bool) (int, bool) {
				saw = fmt.Sprint(old, " ", found)
				return 7, true
			})
			return fmt.Sprintf("fn(%s) → %d %v %s", saw, got, ok, errName(err))
		}, none("fn(0 false) → 0 false ErrGuarded")},
		{"Update/declines", func(v *livedict.View[string, int], _ string) string {
			got, ok, err := v.Update("k", time.Hour, func(int, bool) (int, bool) { return 0, false })
			return fmt.Sprint(got, " ", ok, " ", errName(err))
		}, none("0 false nil")},
		{"CompareAndSwap/zero", func(v *livedict.View[string, int], _ string) string {
			ok, err := livedict.CompareAndSwap(v, "k", 0, 7)
			return fmt.Sprint(ok, " ", errName(err))
		}, none("false nil")},
		{"CompareAndSwap/value", func(v *livedict.View[string, int], _ string) string {
			ok, err := livedict.CompareAndSwap(v, "k", 42, 7)
			return fmt.Sprint(ok, " ", errName(err))
		}, none("false nil")},
		{"All", func(v *livedict.View[string, int], _ string) string {
			var kv []string
			for k, x := range v.All() {
				kv = append(kv, fmt.Sprint(k, "=", x))
			}
			return strings.Join(kv, " ")
		}, none("u=1")},
		{"Keys", func(v *livedict.View[string, int], _ string) string {
			return strings.Join(slices.Collect(v.Keys()), " ")
		}, none("u")},
		{"Len", func(v *livedict.View[string, int], _ string) string { return fmt.Sprint(v.Len()) }, none("2")},
		{"Load", func(v *livedict.View[string, int], _ string) string {
			got, err := v.Load(context.Background(), "k")
			return fmt.Sprint(got, " ", errName(err))
		}, none("0 ErrNotFound")},
		{"Clear", func(v *livedict.View[string, int], _ string) string { v.Clear(); return "" }, []row{{"", "", absent}}},
	}
	for _, bucket := range []string{"", "b"} {
		for _, c := range cases {
			for _, r := range c.rows {
				name := fmt.Sprintf("bucket%q/%s/token%q", bucket, c.name, r.token)
				t.Run(name, func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						s := newStore[string, int](t, nil)
						v := s.Bucket(bucket)
						if err := v.SetWith("k", 42, livedict.SetOptions[string, int]{TTL: time.Hour, Token: guardToken}); err != nil {
							t.Fatal(err)
						}
						if err := v.Set("u", 1, livedict.NoExpiry); err != nil {
							t.Fatal(err)
						}
						if got := c.call(v, r.token); got != r.result {
							t.Errorf("result %q, want %q", got, r.result)
						}
						if got := guardedState(v); got != r.after {
							t.Errorf("afterwards the entry is %q, want %q", got, r.after)
						}
					})
				})
			}
		}
	}
}

// guardedState describes key "k" as its token holder sees it; it lets
// virtual time run to the entry's original deadline (1h after it was set).
func guardedState(v *livedict.View[string, int]) string {
	val, ok := v.GetWithToken("k", guardToken)
	if !ok {
		return absent
	}
	guard := "guarded"
	if _, open := v.Get("k"); open {
		guard = "unguarded"
	}
	time.Sleep(time.Hour - time.Nanosecond)
	if _, ok := v.GetWithToken("k", guardToken); !ok {
		return fmt.Sprintf("%d %s, expires before 1h", val, guard)
	}
	time.Sleep(time.Nanosecond)
	if _, ok := v.GetWithToken("k", guardToken); ok {
		return fmt.Sprintf("%d %s, expires after 1h", val, guard)
	}
	return fmt.Sprintf("%d %s, expires at 1h", val, guard)
}

func errName(err error) string {
	for _, s := range []struct {
		name string
		err  error
	}{{"ErrGuarded", livedict.ErrGuarded}, {"ErrNotFound", livedict.ErrNotFound}} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// TestGuardedEntriesNotPersisted: a backend record carries no token, so a
// guarded entry must never reach one (it would come back unguarded after a
// restart or an eviction). Its write deletes the key's earlier record; a
// tokenless Delete of it deletes nothing; Load without the token misses.
func TestGuardedEntriesNotPersisted(t *testing.T) {
	for _, mode := range []livedict.Persistence{livedict.WriteBehind, livedict.WriteThrough} {
		t.Run(mode.String(), func(t *testing.T) {
			backend := store.NewMemory()
			s := newStore(t, &livedict.Options[string, int]{
				Persist: &livedict.Persist[string, int]{Backend: backend, Plaintext: true, Mode: mode},
			})
			ctx := context.Background()
			has := func(key string) bool {
				t.Helper()
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				_, err := s.Backend().Get(ctx, "", []byte(key))
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				return err == nil
			}
			if err := s.Set("k", 1, livedict.NoExpiry); err != nil {
				t.Fatal(err)
			}
			if !has("k") {
				t.Fatal("the unguarded value was not persisted")
			}
			if err := s.SetWith("k", 42, livedict.SetOptions[string, int]{Token: guardToken}); err != nil {
				t.Fatal(err)
			}
			if has("k") {
				t.Fatal("the backend holds a record for a guarded entry")
			}
			if s.TouchWithToken("k", time.Hour, guardToken); has("k") {
				t.Fatal("TouchWithToken persisted a guarded entry")
			}
			if _, err := s.Load(ctx, "k"); !errors.Is(err, livedict.ErrNotFound) {
				t.Fatalf("Load without the token: %v, want ErrNotFound", err)
			}
			if s.Delete("k") {
				t.Fatal("a tokenless Delete removed a guarded entry")
			}
			if v, ok := s.GetWithToken("k", guardToken); !ok || v != 42 {
				t.Fatalf("after a tokenless Delete: %v %v", v, ok)
			}
		})
	}
}
