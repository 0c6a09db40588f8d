package fleet

import (
	"testing"

	"github.com/livedict/livedict/store/redis/internal/redistest"
)

func TestRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	a := open(t, Options[string, string]{Redis: standalone(srv)})
	b := open(t, Options[string, string]{Redis: standalone(srv)})
	if _, ok, err := b.Get(ctx, "k"); err != nil || ok {
		t.Fatalf("Get before Set = %v, %v", ok, err)
	}
	inv := b.Stats().Invalidations
	if err := a.Set(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B's invalidation", func() bool { return b.Stats().Invalidations > inv })
	if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || v != "v1" {
		t.Fatalf("B Get = %q, %v, %v; want v1", v, ok, err)
	}
	if v, ok, err := b.Get(ctx, "k"); err != nil || !ok || v != "v1" {
		t.Fatalf("B Get (near) = %q, %v, %v; want v1", v, ok, err)
	}
	t.Logf("%+v", b.Stats())
}
