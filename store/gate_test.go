package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/livedict/livedict/store"
)

func TestGate(t *testing.T) {
	var g store.Gate
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Enter(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Enter with a cancelled context = %v", err)
	}
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal("two calls could not be in progress together:", err)
	}
	g.Leave()
	g.Leave()
	if !g.Close() {
		t.Fatal("the first Close reported the gate already closed")
	}
	if g.Close() {
		t.Fatal("a second Close reported closing the gate")
	}
	if err := g.Enter(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Enter after Close = %v, want ErrClosed", err)
	}
}
