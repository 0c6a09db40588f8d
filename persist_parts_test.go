package livedict_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/store"
)

// refusing is codec.String that fails to encode the value "bad".
type refusing struct{ codec.Codec[string] }

var errRefused = errors.New("refused")

func (r refusing) Encode(dst []byte, v string) ([]byte, error) {
	if v == "bad" {
		return dst, errRefused
	}
	return r.Codec.Encode(dst, v)
}

// TestLargeBatchEncodedInParts: a drain of thousands of ops (encoded in
// parts on several goroutines) stores every put, applies every delete and
// gives up exactly the values that do not encode, whatever part they
// fall in.
func TestLargeBatchEncodedInParts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	data := new(store.MemoryData)
	s := mustNew(t, &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
		Backend: store.NewMemoryShared(data), Plaintext: true, Mode: livedict.WriteBehind,
		Codec: refusing{codec.String()}, QueueSize: 1 << 14, FlushInterval: 1 << 40,
		OnError: func(error) {}}})
	defer s.Close()
	ctx := context.Background()
	const n = 3000
	key := func(i int) string { return "k" + strconv.Itoa(i) }
	for i := range n {
		s.Set(key(i), "old"+strconv.Itoa(i), livedict.NoExpiry)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// One batch: deletes, new values and refused values spread over it.
	bad := 0
	for i := range n {
		switch {
		case i%7 == 0:
			s.Delete(key(i))
		case i%101 == 0:
			s.Set(key(i), "bad", livedict.NoExpiry)
			bad++
		default:
			s.Set(key(i), "new"+strconv.Itoa(i), livedict.NoExpiry)
		}
		s.Set(key(n+i), "more"+strconv.Itoa(i), livedict.NoExpiry)
	}
	err := s.Flush(ctx)
	var wl *livedict.WritesLostError
	if !errors.As(err, &wl) || wl.Lost() != bad || !errors.Is(err, errRefused) {
		t.Fatalf("Flush = %v, want %d writes lost to errRefused", err, bad)
	}
	raw := store.NewMemoryShared(data)
	for i := range 2 * n {
		r, err := raw.Get(ctx, "", []byte(key(i)))
		var want string
		switch {
		case i >= n:
			want = "more" + strconv.Itoa(i-n)
		case i%7 == 0:
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("deleted %s: backend has %q, %v", key(i), r.Value, err)
			}
			continue
		case i%101 == 0:
			want = "old" + strconv.Itoa(i) // its new value did not encode
		default:
			want = "new" + strconv.Itoa(i)
		}
		if err != nil || string(r.Value) != want {
			t.Fatalf("%s: backend has %q, %v; want %q", key(i), r.Value, err, want)
		}
	}
}
