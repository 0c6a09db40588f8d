package config_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/store"
)

func TestPresetsValidate(t *testing.T) {
	for _, name := range config.Presets() {
		c, err := config.Preset(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPresetUnknown(t *testing.T) {
	_, err := config.Preset("durable-sql")
	if !errors.Is(err, config.ErrUnknownPreset) {
		t.Fatalf("err = %v, want ErrUnknownPreset", err)
	}
	mustContain(t, err, `"durable-"… (11 bytes)`, "durable_sql")
}

// TestPresetsAreIndependent changes one returned preset and checks that
// the next call is not affected.
func TestPresetsAreIndependent(t *testing.T) {
	a, _ := config.Preset(config.PresetBucketed)
	a.Buckets["sessions"] = config.Bucket{MaxKeys: 1}
	b, _ := config.Preset(config.PresetBucketed)
	if b.Buckets["sessions"].MaxKeys != 20_000 {
		t.Error("a change to a returned preset leaked into the next")
	}
}

func TestPresetSimpleOpens(t *testing.T) {
	c, _ := config.Preset(config.PresetSimple)
	s, err := config.Open[string, string](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := time.Now()
	if err := s.Set("k", "v", livedict.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	checkDeadline(t, s.Bucket(""), "k", before, time.Now(), 10*time.Minute)
}

func TestPresetBucketedOpens(t *testing.T) {
	c, _ := config.Preset(config.PresetBucketed)
	c.Buckets["tiny"] = config.Bucket{MaxKeys: 1}
	s, err := config.Open[string, string](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sessions := s.Bucket("sessions")
	before := time.Now()
	if err := sessions.Set("sid", "u1", livedict.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	checkDeadline(t, sessions, "sid", before, time.Now(), 30*time.Minute)
	tiny := s.Bucket("tiny")
	if err := tiny.Set("a", "1", 0); err != nil {
		t.Fatal(err)
	}
	if err := tiny.Set("b", "2", 0); !errors.Is(err, livedict.ErrFull) {
		t.Errorf("second write to a 1-key bucket: %v, want ErrFull", err)
	}
}

// TestPresetsNeedingSQLite checks that the SQLite presets are valid and
// that, without store/sqlite imported, opening says which module to
// import.
func TestPresetsNeedingSQLite(t *testing.T) {
	t.Setenv("LIVEDICT_KEY", hexKey(t))
	t.Setenv("LIVEDICT_NAME_KEY", hexKey(t))
	for _, name := range []string{config.PresetDurableSQL, config.PresetHybridCacheDB} {
		c, _ := config.Preset(name)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		_, err := config.Open[string, string](context.Background(), c)
		if !errors.Is(err, store.ErrUnknownScheme) {
			t.Errorf("%s: err = %v, want store.ErrUnknownScheme", name, err)
			continue
		}
		mustContain(t, err, "github.com/livedict/livedict/store/sqlite")
	}
}

// withMemoryBackend returns the preset with its SQLite database replaced
// by a memory backend and its keys by key files, so that its behaviour can
// be tested here.
func withMemoryBackend(t *testing.T, name string) config.Config {
	c, err := config.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	c.Persist.Backend = "mem://"
	c.Persist.Encryption.Keys[0] = config.KeyRef{ID: 1, File: keyFile(t, "k")}
	c.Persist.Encryption.NameKey = config.KeySource{File: keyFile(t, "n")}
	return c
}

func TestPresetDurableSQLWritesThrough(t *testing.T) {
	o, err := config.Options[string, string](context.Background(), withMemoryBackend(t, config.PresetDurableSQL))
	if err != nil {
		t.Fatal(err)
	}
	raw := o.Persist.Backend
	s, err := livedict.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Set("order:1", "paid", livedict.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, raw, "")); n != 1 {
		t.Errorf("backend holds %d records once Set returned, want 1", n)
	}
}

// TestPresetHybridCacheDBReadsThrough fills the hybrid preset past its
// memory bound: evicted entries stay in the database and Load brings
// them back.
func TestPresetHybridCacheDBReadsThrough(t *testing.T) {
	c := withMemoryBackend(t, config.PresetHybridCacheDB)
	c.MaxKeys = 64
	s, err := config.Open[string, int](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n = 500
	for i := range n {
		if err := s.Set(fmt.Sprint("k", i), i, livedict.DefaultTTL); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.LenAll() > 64 {
		t.Fatalf("memory holds %d entries, more than max_keys 64", s.LenAll())
	}
	for i := range n {
		v, err := s.Load(context.Background(), fmt.Sprint("k", i))
		if err != nil || v != i {
			t.Fatalf("Load(k%d) = %v, %v; want %d from the database", i, v, err, i)
		}
	}
}

// checkDeadline checks that key, Set between before and after with the
// bucket's default TTL, expires ttl after the Set: between before+ttl and
// after+ttl. Deadline carries the monotonic clock the store uses, as do
// before and after, so the bounds are exact whatever the machine's load.
func checkDeadline(t *testing.T, v *livedict.View[string, string], key string, before, after time.Time, ttl time.Duration) {
	t.Helper()
	d, ok := v.Deadline(key)
	if !ok || d.Before(before.Add(ttl)) || d.After(after.Add(ttl)) {
		t.Errorf("%q expires at %v (%v), want %v after the Set", key, d, ok, ttl)
	}
}
