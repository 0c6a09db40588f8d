package livedict

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

func sealedStore(t *testing.T, data *store.MemoryData, events *[]Event[string, string]) *Store[string, string] {
	t.Helper()
	k, _ := crypto.GenerateKey()
	nk, _ := crypto.GenerateKey()
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&Options[string, string]{
		Buckets: map[string]BucketOptions{"secrets": {Sealed: true}},
		OnSet:   []func(Event[string, string]){func(e Event[string, string]) { *events = append(*events, e) }},
		Persist: &Persist[string, string]{Backend: store.NewMemoryShared(data), Keyring: ring, NameKey: nk},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSealedBucket: a sealed bucket's value is held only as ciphertext in
// memory, reads open it, hooks see it opened, and it persists as usual.
func TestSealedBucket(t *testing.T) {
	var events []Event[string, string]
	data := new(store.MemoryData)
	s := sealedStore(t, data, &events)
	defer s.Close()
	secrets := s.Bucket("secrets")
	const secret = "correct horse battery staple"
	if err := secrets.Set("api", secret, NoExpiry); err != nil {
		t.Fatal(err)
	}
	e := s.c.lookup(secrets.b, "api")
	if e == nil || e.value != "" || e.extras() == nil || len(e.extras().sealed.load()) == 0 {
		t.Fatalf("the entry does not hold its value sealed: %+v", e)
	}
	if bytes.Contains(e.extras().sealed.load(), []byte(secret)) {
		t.Fatal("the sealed bytes contain the plaintext")
	}
	if v, ok := secrets.Get("api"); !ok || v != secret {
		t.Fatalf("Get = %q, %v", v, ok)
	}
	for k, v := range secrets.All() {
		if k != "api" || v != secret {
			t.Fatalf("All yields %q=%q", k, v)
		}
	}
	if len(events) != 1 || events[0].Value != secret {
		t.Fatalf("OnSet saw %+v, want the opened value", events)
	}
	if got, _, err := secrets.Update("api", KeepTTL, func(old string, _ bool) (string, bool) { return old + "!", true }); err != nil || got != secret+"!" {
		t.Fatalf("Update = %q, %v", got, err)
	}
	// An unsealed bucket of the same store is unaffected.
	if err := s.Set("plain", "x", NoExpiry); err != nil {
		t.Fatal(err)
	}
	if e := s.c.lookup(s.b, "plain"); e.extras() != nil {
		t.Fatal("an unsealed bucket's entry got an extra")
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Persisted and reloaded like any value.
	s2 := sealedStoreSameKeys(t, s, data)
	defer s2.Close()
	if v, err := s2.Bucket("secrets").Load(context.Background(), "api"); err != nil || v != secret+"!" {
		t.Fatalf("Load after restart = %q, %v", v, err)
	}
}

func sealedStoreSameKeys(t *testing.T, s *Store[string, string], data *store.MemoryData) *Store[string, string] {
	cfg := s.c.pst.cfg
	cfg.Backend = store.NewMemoryShared(data)
	s2, err := New(&Options[string, string]{Buckets: map[string]BucketOptions{"secrets": {Sealed: true}}, Persist: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	return s2
}

func TestSealedNeedsKeyring(t *testing.T) {
	_, err := New(&Options[string, int]{Buckets: map[string]BucketOptions{"s": {Sealed: true}}})
	if !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("Sealed without Persist: %v", err)
	}
	s, err := New[string, int](nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DefineBucket("s", BucketOptions{Sealed: true}); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("DefineBucket Sealed without Persist: %v", err)
	}
}

// TestSealedWithoutBackend: a memory-only store seals a bucket with
// Options.Keyring alone; the entry holds ciphertext, reads open it.
func TestSealedWithoutBackend(t *testing.T) {
	k, _ := crypto.GenerateKey()
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&Options[string, string]{Keyring: ring,
		Buckets: map[string]BucketOptions{"secrets": {Sealed: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := s.Bucket("secrets")
	if err := v.Set("api", "plaintext-token", NoExpiry); err != nil {
		t.Fatal(err)
	}
	e := s.c.lookup(v.b, "api")
	if e == nil || e.extras() == nil || e.extras().sealed == nil || e.value != "" {
		t.Fatal("the entry does not hold its value sealed")
	}
	if bytes.Contains(e.extras().sealed.load(), []byte("plaintext-token")) {
		t.Fatal("the sealed bytes contain the plaintext")
	}
	if got, ok := v.Get("api"); !ok || got != "plaintext-token" {
		t.Fatalf("Get = %q, %v", got, ok)
	}
	if _, err := s.DefineBucket("more", BucketOptions{Sealed: true}); err != nil {
		t.Fatalf("DefineBucket Sealed on a memory-only store with a keyring: %v", err)
	}
	plain, err := New(&Options[string, string]{})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.DefineBucket("x", BucketOptions{Sealed: true}); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("Sealed without any keyring: %v, want ErrInvalidOption", err)
	}
}
