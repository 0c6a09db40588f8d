package config_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/livedict/livedict"
	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// records returns what backend holds in bucket.
func records(t *testing.T, backend store.Stage, bucket string) []store.Record {
	t.Helper()
	var rs []store.Record
	for r, err := range backend.Scan(context.Background(), bucket) {
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

// encrypted returns a configuration persisting to memory under keys in
// files.
func encrypted(t *testing.T, mode string) config.Config {
	return config.Config{Persist: &config.Persist{
		Backend: "mem://",
		Mode:    mode,
		Encryption: config.Encryption{
			Keys:    []config.KeyRef{{ID: 1, File: keyFile(t, "k1")}},
			NameKey: config.KeySource{File: keyFile(t, "name")},
		},
	}}
}

func TestOpenMemoryOnly(t *testing.T) {
	s, err := config.Open[string, int](context.Background(), config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Set("a", 1, livedict.DefaultTTL); err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Get("a"); !ok || v != 1 {
		t.Errorf("Get = %v, %v", v, ok)
	}
	if s.Backend() != nil {
		t.Error("a configuration without persist has a backend")
	}
}

// TestOptionsMapsEveryField checks each Config field against the
// livedict.Options field it sets.
func TestOptionsMapsEveryField(t *testing.T) {
	c := fullConfig()
	c.Persist.Encryption.Keys[0] = config.KeyRef{ID: 1, File: keyFile(t, "k1")}
	c.Persist.Encryption.Keys[1] = config.KeyRef{ID: 2, File: keyFile(t, "k2")}
	c.Persist.Encryption.NameKey = config.KeySource{File: keyFile(t, "name")}
	o, err := config.Options[string, string](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Persist.Backend.Close()
	got := fmt.Sprint(o.DefaultTTL, o.MaxKeys, o.Policy, o.Shards, o.RequireBucket, o.ReadStats)
	if want := "5m0s 1000 evict 32 true true"; got != want {
		t.Errorf("options = %s, want %s", got, want)
	}
	wantBuckets := map[string]livedict.BucketOptions{
		"sessions": {DefaultTTL: 30 * time.Minute, MaxKeys: 20, Persistence: livedict.WriteThrough},
		"local":    {DefaultTTL: livedict.NoExpiry, Persistence: livedict.PersistNone},
	}
	if d := cmp.Diff(wantBuckets, o.Buckets); d != "" {
		t.Errorf("buckets (-want +got):\n%s", d)
	}
	p := o.Persist
	got = fmt.Sprintln(p.Name, p.Mode, p.QueueSize, p.FlushInterval, p.WhenFull, p.BlockTimeout, p.Retries, p.RetryBackoff, p.Timeout, p.Plaintext)
	if want := "orders write-behind 128 250ms drop 2s 3 50ms 3s false\n"; got != want {
		t.Errorf("persist = %s, want %s", got, want)
	}
	if *p.Compress != (layer.CompressOptions{Algorithm: layer.Zstd, MinSize: 512}) {
		t.Errorf("compress = %+v", *p.Compress)
	}
	if p.Keyring.Algorithm() != crypto.XChaCha20Poly1305 || p.Keyring.Primary() != 2 || len(p.Keyring.IDs()) != 2 {
		t.Errorf("keyring = %v", p.Keyring)
	}
	if p.NameKey == (crypto.Key{}) {
		t.Error("no name key")
	}
	enc, err := p.Codec.Encode(nil, "x")
	if err != nil || string(enc) != `"x"` {
		t.Errorf("codec encodes %q, %v; want JSON", enc, err)
	}
	if len(p.Layers) != 1 {
		t.Fatalf("%d layers, want the breaker", len(p.Layers))
	}
	if _, ok := layer.Chain(store.NewMemory(), p.Layers...).(*layer.BreakerStage); !ok {
		t.Error("the layer is not a breaker")
	}
}

func TestOptionsNeverTTL(t *testing.T) {
	o, err := config.Options[string, int](context.Background(), config.Config{DefaultTTL: config.Never})
	if err != nil {
		t.Fatal(err)
	}
	if o.DefaultTTL != 0 {
		t.Errorf("DefaultTTL = %v, want 0 (entries do not expire)", o.DefaultTTL)
	}
}

// TestOpenWriteThroughEncrypted checks that a value is in the backend,
// sealed, once Set returns.
func TestOpenWriteThroughEncrypted(t *testing.T) {
	c := encrypted(t, config.PersistWriteThrough)
	o, err := config.Options[string, string](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	raw := o.Persist.Backend
	s, err := livedict.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const value = "the plaintext value"
	if err := s.Set("user:1", value, time.Hour); err != nil {
		t.Fatal(err)
	}
	rs := records(t, raw, "")
	if len(rs) != 1 {
		t.Fatalf("backend holds %d records after a write-through Set, want 1", len(rs))
	}
	if bytes.Contains(rs[0].Value, []byte(value)) || bytes.Contains(rs[0].Key, []byte("user:1")) {
		t.Error("the backend holds the key or value in clear")
	}
}

func TestOpenPlaintextCompressed(t *testing.T) {
	c := config.Config{Persist: &config.Persist{
		Backend:     "mem://",
		Mode:        config.PersistWriteThrough,
		Encryption:  config.Encryption{Plaintext: true},
		Compression: config.Compression{Algorithm: config.CompressionS2, MinSize: 1},
		Codec:       config.CodecJSON,
	}}
	o, err := config.Options[string, string](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	raw := o.Persist.Backend
	s, err := livedict.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	long := strings.Repeat("abc", 1000)
	if err := s.Set("k", long, time.Hour); err != nil {
		t.Fatal(err)
	}
	rs := records(t, raw, "")
	if len(rs) != 1 || string(rs[0].Key) != "k" {
		t.Fatalf("records = %v", rs)
	}
	if v := rs[0].Value; len(v) >= len(long) || v[0] != 1 {
		t.Errorf("stored %d bytes starting %x, want fewer than %d starting with the S2 marker 01", len(v), v[:1], len(long))
	}
}

func TestOpenInlineKeys(t *testing.T) {
	k, nk := hexKey(t), hexKey(t)
	c := config.Config{Persist: &config.Persist{
		Backend: "mem://",
		Encryption: config.Encryption{
			AllowInlineSecrets: true,
			Keys:               []config.KeyRef{{ID: 3, Value: config.Secret(k)}},
			NameKey:            config.KeySource{Value: config.Secret(nk)},
		},
	}}
	s, err := config.Open[string, string](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A bad inline key is reported without its text.
	bad := k[:63] + "z"
	c.Persist.Encryption.Keys[0].Value = config.Secret(bad)
	_, err = config.Open[string, string](context.Background(), c)
	if !errors.Is(err, crypto.ErrBadKey) {
		t.Fatalf("err = %v, want crypto.ErrBadKey", err)
	}
	mustContain(t, err, "persist.encryption.keys[0] (id 3)")
	if strings.Contains(err.Error(), bad[:16]) {
		t.Errorf("error shows key material: %v", err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %v %#v", c, c, c, c.Persist.Encryption, c.Persist.Encryption)} {
		if strings.Contains(s, k[:16]) || strings.Contains(s, nk[:16]) || strings.Contains(s, bad[:16]) {
			t.Errorf("printed config shows key material: %s", s)
		}
	}
}

func TestOpenKeyErrors(t *testing.T) {
	c := encrypted(t, "")
	c.Persist.Encryption.NameKey = config.KeySource{Env: "LIVEDICT_TEST_UNSET_NAME_KEY"}
	_, err := config.Open[string, string](context.Background(), c)
	if !errors.Is(err, crypto.ErrBadKey) {
		t.Fatalf("err = %v, want crypto.ErrBadKey", err)
	}
	mustContain(t, err, "persist.encryption.name_key", "LIVEDICT_TEST_UNSET_NAME_KEY")

	c = encrypted(t, "")
	c.Persist.Encryption.Keys[0].File = c.Persist.Encryption.Keys[0].File + ".missing"
	_, err = config.Open[string, string](context.Background(), c)
	if !errors.Is(err, crypto.ErrBadKey) {
		t.Fatalf("err = %v, want crypto.ErrBadKey", err)
	}
}

func TestOpenInvalidConfig(t *testing.T) {
	_, err := config.Open[string, string](context.Background(), config.Config{MaxKeys: -1, Policy: "lru"})
	if got := paths(t, err); !cmp.Equal(got, []string{"max_keys", "policy"}) {
		t.Errorf("paths = %q", got)
	}
}

// TestOpenUnknownScheme opens a SQLite URL in a test binary that does not
// import store/sqlite.
func TestOpenUnknownScheme(t *testing.T) {
	c := encrypted(t, "")
	c.Persist.Backend = "sqlite:///tmp/never-created.db"
	_, err := config.Open[string, string](context.Background(), c)
	if !errors.Is(err, store.ErrUnknownScheme) {
		t.Fatalf("err = %v, want store.ErrUnknownScheme", err)
	}
	mustContain(t, err, "persist.backend", `"github.com/livedict/livedict/store/sqlite"`)

	c.Persist.Backend = "redis://user:hunter2@localhost:6379/0"
	_, err = config.Open[string, string](context.Background(), c)
	if !errors.Is(err, store.ErrUnknownScheme) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err = %v, want store.ErrUnknownScheme without the password", err)
	}
	if s := c.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "redis://user:xxxxx@localhost:6379/0") {
		t.Errorf("String() = %s", s)
	}
}

func TestOpenCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := config.Open[string, string](ctx, encrypted(t, ""))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// closeCounting is a memory backend that counts its Close calls.
type closeCounting struct {
	*store.Memory
	closes *atomic.Int32
}

func (c closeCounting) Close() error {
	c.closes.Add(1)
	return c.Memory.Close()
}

var trackedCloses atomic.Int32

func init() {
	store.Register("cfgtest-tracked", func(ctx context.Context, u *url.URL) (store.Stage, error) {
		return closeCounting{store.NewMemory(), &trackedCloses}, nil
	})
}

// TestOpenNewFailsClosesBackend makes livedict.New refuse the options (a
// key type without a key codec) and checks that Open reports it and
// closes the backend it opened.
func TestOpenNewFailsClosesBackend(t *testing.T) {
	type point struct{ X, Y int }
	c := encrypted(t, "")
	c.Persist.Backend = "cfgtest-tracked://"
	before := trackedCloses.Load()
	_, err := config.Open[point, string](context.Background(), c)
	if !errors.Is(err, livedict.ErrInvalidOption) {
		t.Errorf("err = %v, want livedict.ErrInvalidOption", err)
	}
	if n := trackedCloses.Load() - before; n != 1 {
		t.Errorf("backend closed %d times, want 1", n)
	}
}
