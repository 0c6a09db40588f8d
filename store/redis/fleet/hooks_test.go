package fleet

import (
	"errors"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

// OnSet and OnDelete run on the instance that wrote, not on the one that
// received the invalidation; a panicking hook fails the call with
// ErrPanicked and the write stands.
func TestHooksRunOnTheWriterOnly(t *testing.T) {
	srv := redistest.Start(t)
	ctx := testCtx(t)
	var setsA, setsB, delsB int
	a := open(t, Options[string, int]{Redis: standalone(srv), OnSet: func(string, int) { setsA++ }})
	b := open(t, Options[string, int]{Redis: standalone(srv),
		OnSet:    func(string, int) { setsB++ },
		OnDelete: func(string) { delsB++ }})
	invalidated(t, b, func() {
		if err := a.Set(ctx, "k", 1); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := Add(ctx, a, "n", 1, livedict.KeepTTL); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.GetOrSet(ctx, "g", 1, 0); err != nil {
		t.Fatal(err)
	}
	invalidated(t, b, func() {
		if _, err := a.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	})
	if setsA != 3 || setsB != 0 || delsB != 0 {
		t.Fatalf("OnSet ran %d times on A (want 3) and %d on B, OnDelete %d on B (want 0)", setsA, setsB, delsB)
	}

	p := open(t, Options[string, int]{Redis: standalone(srv), OnSet: func(string, int) { panic("hook") }})
	if err := p.Set(ctx, "k", 7); !errors.Is(err, livedict.ErrPanicked) {
		t.Fatalf("Set with a panicking OnSet = %v, want ErrPanicked", err)
	}
	wantGet(t, a, "k", 7, true) // the write stands
}
