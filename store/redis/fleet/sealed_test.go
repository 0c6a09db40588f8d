package fleet

import (
	"bytes"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

func testKeyring(t *testing.T) (*crypto.Keyring, crypto.Key) {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return ring, nk
}

// rawEntries returns every Redis key and value of srv.
func rawEntries(t *testing.T, srv *redistest.Server) map[string][]byte {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer c.Close()
	ctx := testCtx(t)
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, k := range keys {
		v, err := c.Get(ctx, k).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

func TestSealedValuesAndHashedKeys(t *testing.T) {
	const key, plain = "user-4711-secret-key", "plaintext-credit-card"
	for _, sealed := range []bool{false, true} {
		t.Run(map[bool]string{false: "clear", true: "sealed"}[sealed], func(t *testing.T) {
			srv := redistest.Start(t)
			ctx := testCtx(t)
			o := Options[string, string]{Redis: standalone(srv), Codec: codec.String(), KeyCodec: nil}
			if sealed {
				o.Keyring, o.NameKey = testKeyring(t)
			}
			a := open(t, o)
			b := open(t, o)
			if err := a.Set(ctx, key, plain); err != nil {
				t.Fatal(err)
			}
			wantGet(t, b, key, plain, true)
			raw := rawEntries(t, srv)
			if len(raw) != 1 {
				t.Fatalf("%d Redis keys, want 1", len(raw))
			}
			for k, v := range raw {
				leaks := bytes.Contains([]byte(k), []byte(key)) || bytes.Contains(v, []byte(plain)) ||
					bytes.Contains([]byte(k), []byte(b64.EncodeToString([]byte(key))))
				if sealed && leaks {
					t.Fatalf("sealed Map stored key %q value %q: key or plaintext visible", k, v)
				}
				if !sealed && !bytes.Contains(v, []byte(plain)) {
					t.Fatalf("clear Map stored value %q: the check above could not fail", v)
				}
			}
		})
	}
}

func TestSealedValueMovedDoesNotOpen(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	o := Options[string, string]{Redis: standalone(srv)}
	o.Keyring, o.NameKey = testKeyring(t)
	a := open(t, o)
	if err := a.Set(ctx, "k1", "v1"); err != nil {
		t.Fatal(err)
	}
	n1, n2 := a.prefix+mustName(t, a, "k1"), a.prefix+mustName(t, a, "k2")
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	defer c.Close()
	v, err := c.Get(ctx, n1).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, n2, v, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Get(ctx, "k2"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of a value moved to another key = %v, want ErrCorrupt", err)
	}
	if err := c.Set(ctx, n2, "short", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Get(ctx, "k2"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of a foreign value = %v, want ErrCorrupt", err)
	}
}

func TestNearHitAllocatesNothing(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	// A frozen clock and one confirmation: the lease cannot lapse under
	// a loaded machine, so every run below is a near hit.
	clk := &fakeClock{}
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	b := open(t, Options[string, string]{Redis: standalone(srv), clock: clk.now, pingEvery: 24 * time.Hour})
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		}
	})
	wantGet(t, b, "k", "v", true)
	s := b.Stats()
	allocs := testing.AllocsPerRun(1000, func() {
		if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || v != "v" {
			panic("near hit lost")
		}
	})
	if allocs != 0 {
		t.Fatalf("near-hit Get allocates %v times, want 0", allocs)
	}
	if got := b.Stats().NearHits - s.NearHits; got < 1000 {
		t.Fatalf("%d near hits in 1001 Gets: the runs were not near hits", got)
	}
}
