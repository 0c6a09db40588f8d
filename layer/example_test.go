package layer_test

import (
	"context"
	"fmt"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
)

// countPuts is a custom layer's Stage: it embeds the next Stage, so every
// method it does not override passes straight through.
type countPuts struct {
	store.Stage
	n *int
}

// Put counts the write, then hands it on.
func (c countPuts) Put(ctx context.Context, r store.Record) error {
	*c.n++
	return c.Stage.Put(ctx, r)
}

// Example builds a pipeline from a custom layer that counts writes and the
// built-in compression layer beneath it.
func Example() {
	var puts int
	counting := func(next store.Stage) store.Stage { return countPuts{next, &puts} }

	s := layer.Chain(store.NewMemory(), counting, layer.Compress(layer.CompressOptions{}))
	defer s.Close()

	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if err := s.Put(ctx, store.Record{Key: []byte(k), Value: []byte("value of " + k)}); err != nil {
			fmt.Println(err)
			return
		}
	}
	r, err := s.Get(ctx, "", []byte("b"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d puts; b = %s\n", puts, r.Value)
	// Output: 2 puts; b = value of b
}
