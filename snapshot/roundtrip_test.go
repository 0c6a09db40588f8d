package snapshot

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
)

// session is a value with the fields that lose information in careless
// codecs: a time with a location and monotonic-free nanoseconds, bytes,
// a map, large integers.
type session struct {
	User    string
	Created time.Time
	Token   []byte
	Scores  map[string]int64
	Big     uint64
	Nested  *session
}

func TestRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := sealedOpts[session](t)
		src := newStore[string, session](t)
		created := time.Date(2026, 12, 1, 10, 30, 0, 123456789, time.UTC)
		want := map[string]map[string]session{
			"": {"root": {User: "root", Created: created}},
			"sessions": {
				"s1": {User: "ada", Created: created, Token: []byte{0, 1, 255}, Scores: map[string]int64{"x": -1 << 62}, Big: 1<<64 - 1},
				"s2": {User: "bob", Nested: &session{User: "inner", Created: created.Add(time.Hour)}},
			},
			"carts": {"c1": {User: "cy", Scores: map[string]int64{}}},
		}
		ttls := map[string]time.Duration{"root": livedict.NoExpiry, "s1": 2 * time.Hour, "s2": livedict.NoExpiry, "c1": 3 * time.Hour}
		for b, entries := range want {
			for k, v := range entries {
				if err := src.Bucket(b).Set(k, v, ttls[k]); err != nil {
					t.Fatal(err)
				}
			}
		}
		// One that expires before the restore, and one that expires
		// before the snapshot is written: neither comes back.
		src.Bucket("sessions").Set("soon", session{User: "soon"}, 30*time.Minute)
		src.Bucket("carts").Set("gone", session{User: "gone"}, time.Second)
		src.Bucket("empty")
		time.Sleep(time.Minute)

		var buf bytes.Buffer
		wst, err := Write(context.Background(), &buf, src, opts)
		if err != nil {
			t.Fatal(err)
		}
		if wst.Records != 5 || wst.Buckets != 4 || wst.Bytes != int64(buf.Len()) {
			t.Errorf("Write stats = %+v, want 5 records of 4 buckets and %d bytes", wst, buf.Len())
		}
		time.Sleep(time.Hour) // "soon" expires while the snapshot sits

		dst, rst, err := restore(t, buf.Bytes(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if rst.Records != 5 || rst.Restored != 4 || rst.Expired != 1 || rst.Bytes != int64(buf.Len()) || !rst.Created.Equal(wst.Created) {
			t.Errorf("Restore stats = %+v, want 5 read, 4 restored, 1 expired, created %v", rst, wst.Created)
		}
		for b, entries := range want {
			got := maps.Collect(dst.Bucket(b).All())
			if diff := cmp.Diff(entries, got); diff != "" {
				t.Errorf("bucket %q (-want +got):\n%s", b, diff)
			}
			for k := range entries {
				wantDL, _ := src.Bucket(b).Deadline(k)
				gotDL, ok := dst.Bucket(b).Deadline(k)
				if !ok || !gotDL.Equal(wantDL) {
					t.Errorf("%q/%q: deadline %v, want %v (the absolute expiry is kept)", b, k, gotDL, wantDL)
				}
			}
		}
		if dst.LenAll() != 4 {
			t.Errorf("restored store holds %d entries, want 4", dst.LenAll())
		}
		src.Close()
		dst.Close()
	})
}

func TestGuardedNotWritten(t *testing.T) {
	s := newStore[string, string](t)
	s.Set("open", "v", livedict.NoExpiry)
	if err := s.SetWith("guarded", "secret-value", livedict.SetOptions[string, string]{Token: "tok-123"}); err != nil {
		t.Fatal(err)
	}
	opts := Options[string, string]{Plaintext: true}
	data := write(t, s, opts)
	for _, secret := range []string{"secret-value", "tok-123", "guarded"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("a plaintext snapshot holds %q of a guarded entry", secret)
		}
	}
	dst, st, err := restore(t, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Restored != 1 || dst.Has("guarded") {
		t.Errorf("restored %d entries (guarded present: %v), want only the open one", st.Restored, dst.Has("guarded"))
	}
}

func TestSealedHidesKeysAndValues(t *testing.T) {
	s := newStore[string, string](t)
	s.Bucket("b").Set("the-key", "the-value", livedict.NoExpiry)
	data := write(t, s, sealedOpts[string](t))
	for _, clear := range []string{"the-key", "the-value"} {
		if bytes.Contains(data, []byte(clear)) {
			t.Errorf("a sealed snapshot holds %q in clear", clear)
		}
	}
}

func TestPlaintextRoundTrip(t *testing.T) {
	s := smallStore(t)
	opts := Options[string, string]{Plaintext: true, Codec: codec.String()}
	dst, st, err := restore(t, write(t, s, opts), opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Restored != 4 {
		t.Errorf("restored %d, want 4", st.Restored)
	}
	if v, _ := dst.Bucket("x").Get("c"); v != "gamma" {
		t.Errorf("x/c = %q, want gamma", v)
	}
}

func TestEmptyStore(t *testing.T) {
	s := newStore[string, int](t)
	opts := sealedOpts[int](t)
	data := write(t, s, opts)
	_, st, err := restore(t, data, opts)
	if err != nil || st.Records != 0 || st.Buckets != 1 {
		t.Errorf("empty snapshot: stats %+v, err %v; want 0 records of 1 bucket", st, err)
	}
}

func TestBucketsOption(t *testing.T) {
	s := smallStore(t)
	opts := sealedOpts[string](t)
	opts.Buckets = []string{"x", "missing", "x"}
	data := write(t, s, opts)
	if slices.Contains(slices.Collect(s.Buckets()), "missing") {
		t.Error("Write created a bucket it was asked for")
	}
	dst, st, err := restore(t, data, sealedOpts[string](t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Buckets != 2 || st.Restored != 2 || dst.LenAll() != 2 {
		t.Errorf("restored %+v (store len %d), want 2 records of buckets x and missing", st, dst.LenAll())
	}

	all := write(t, s, sealedOpts[string](t))
	only := sealedOpts[string](t)
	only.Buckets = []string{"y"}
	dst, st, err = restore(t, all, only)
	if err != nil {
		t.Fatal(err)
	}
	if st.Restored != 1 || st.Skipped != 3 || !dst.Bucket("y").Has("d") {
		t.Errorf("restore of bucket y only: %+v, want 1 restored, 3 skipped", st)
	}
}

func TestDryRun(t *testing.T) {
	data := write(t, smallStore(t), sealedOpts[string](t))
	opts := sealedOpts[string](t)
	opts.DryRun = true
	dst, st, err := restore(t, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 4 || st.Restored != 0 || dst.LenAll() != 0 {
		t.Errorf("dry run: %+v, store len %d; want 4 read, nothing restored", st, dst.LenAll())
	}
}

func TestRestoreReplacesAndKeeps(t *testing.T) {
	data := write(t, smallStore(t), sealedOpts[string](t))
	dst := newStore[string, string](t)
	dst.Set("a", "old", livedict.NoExpiry)
	dst.Set("mine", "kept", livedict.NoExpiry)
	if _, err := Restore(context.Background(), bytes.NewReader(data), dst, sealedOpts[string](t)); err != nil {
		t.Fatal(err)
	}
	if v, _ := dst.Get("a"); v != "alpha" {
		t.Errorf("a = %q, want the snapshot's alpha", v)
	}
	if v, _ := dst.Get("mine"); v != "kept" {
		t.Errorf("mine = %q, want kept (entries not in the snapshot stay)", v)
	}
}

func TestRotatedKeyring(t *testing.T) {
	data := write(t, smallStore(t), sealedOpts[string](t))
	opts := sealedOpts[string](t)
	ring := fixedRing(t, 2, 0x33)
	if err := ring.Add(1, fixedKey(t, 0x11)); err != nil {
		t.Fatal(err)
	}
	opts.Keyring = ring
	if _, st, err := restore(t, data, opts); err != nil || st.Restored != 4 {
		t.Errorf("a keyring holding the old key as a secondary: %+v, %v", st, err)
	}
}

// TestRefused: a snapshot restored with options other than its writer's
// is refused with the error that says why, and nothing reaches the store.
func TestRefused(t *testing.T) {
	data := write(t, smallStore(t), sealedOpts[string](t))
	plain := write(t, smallStore(t), Options[string, string]{Plaintext: true})
	other := func(mod func(*Options[string, string])) Options[string, string] {
		o := sealedOpts[string](t)
		mod(&o)
		return o
	}
	tests := []struct {
		name string
		data []byte
		opts Options[string, string]
		want []error
	}{
		{"another key under the same id", data, other(func(o *Options[string, string]) { o.Keyring = fixedRing(t, 1, 0x44) }), []error{ErrWrongKey}},
		{"a keyring without the key id", data, other(func(o *Options[string, string]) { o.Keyring = fixedRing(t, 9, 0x11) }), []error{ErrWrongKey, crypto.ErrUnknownKey}},
		{"another name key", data, other(func(o *Options[string, string]) { o.NameKey = fixedKey(t, 0x55) }), []error{ErrWrongKey, ErrCorrupt}},
		{"another store name", data, other(func(o *Options[string, string]) { o.Name = "other-store" }), []error{ErrWrongStore}},
		{"the default store name", data, other(func(o *Options[string, string]) { o.Name = "" }), []error{ErrWrongStore}},
		{"sealed restored as plaintext", data, Options[string, string]{Plaintext: true, Name: "test-store"}, []error{ErrPlaintext, ErrCorrupt}},
		{"plaintext restored as sealed", plain, other(func(o *Options[string, string]) { o.Name = "" }), []error{ErrPlaintext, ErrCorrupt}},
		{"another value type's codec", data, other(func(o *Options[string, string]) { o.Codec = failingCodec{} }), []error{codec.ErrDecode}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst, _, err := restore(t, tt.data, tt.opts)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to match %v", err, w)
				}
			}
			if n := dst.LenAll(); n != 0 {
				t.Errorf("%d entries restored from a refused snapshot", n)
			}
		})
	}
}

// failingCodec decodes nothing, as a codec for another V would.
type failingCodec struct{}

func (failingCodec) Encode(dst []byte, v string) ([]byte, error) { return append(dst, v...), nil }
func (failingCodec) Decode([]byte) (string, error) {
	return "", codec.ErrDecode
}

func TestOptionErrors(t *testing.T) {
	s := newStore[string, int](t)
	ring := fixedRing(t, 1, 1)
	for name, o := range map[string]Options[string, int]{
		"nothing":              {},
		"keyring without name": {Keyring: ring},
		"name key only":        {NameKey: fixedKey(t, 2)},
		"plaintext and ring":   {Plaintext: true, Keyring: ring, NameKey: fixedKey(t, 2)},
	} {
		if _, err := Write(context.Background(), &bytes.Buffer{}, s, o); !errors.Is(err, livedict.ErrInvalidOption) {
			t.Errorf("Write with %s: err = %v, want ErrInvalidOption", name, err)
		}
		if _, err := Restore(context.Background(), bytes.NewReader(nil), s, o); !errors.Is(err, livedict.ErrInvalidOption) {
			t.Errorf("Restore with %s: err = %v, want ErrInvalidOption", name, err)
		}
	}
	type odd struct{ A, B int }
	so := newStore[odd, int](t)
	if _, err := Write(context.Background(), &bytes.Buffer{}, so, Options[odd, int]{Plaintext: true}); !errors.Is(err, codec.ErrNoKeyCodec) {
		t.Errorf("a key type without codec: err = %v, want codec.ErrNoKeyCodec", err)
	}
}

func TestRestoreStopsAtStoreLimit(t *testing.T) {
	data := write(t, smallStore(t), sealedOpts[string](t))
	dst, err := livedict.New(&livedict.Options[string, string]{MaxKeys: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	st, err := Restore(context.Background(), bytes.NewReader(data), dst, sealedOpts[string](t))
	if !errors.Is(err, livedict.ErrFull) || st.Restored != 2 || dst.LenAll() != 2 {
		t.Errorf("restore past MaxKeys: %+v, len %d, err %v; want ErrFull after 2", st, dst.LenAll(), err)
	}
}

func TestProgress(t *testing.T) {
	s := newStore[int, int](t)
	for i := range 3000 {
		s.Set(i, i, livedict.NoExpiry)
	}
	var calls []int64
	opts := Options[int, int]{Plaintext: true, Progress: func(st Stats) { calls = append(calls, st.Records) }}
	write(t, s, opts)
	if want := []int64{1024, 2048, 3000}; !slices.Equal(calls, want) {
		t.Errorf("Write progress at %v, want %v", calls, want)
	}
}

func TestCancelled(t *testing.T) {
	s := smallStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts := sealedOpts[string](t)
	if _, err := Write(ctx, &bytes.Buffer{}, s, opts); !errors.Is(err, context.Canceled) {
		t.Errorf("Write: err = %v, want context.Canceled", err)
	}
	data := write(t, s, opts)
	dst := newStore[string, string](t)
	if _, err := Restore(ctx, bytes.NewReader(data), dst, opts); !errors.Is(err, context.Canceled) || dst.LenAll() != 0 {
		t.Errorf("Restore: err = %v (len %d), want context.Canceled and nothing restored", err, dst.LenAll())
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteError(t *testing.T) {
	boom := errors.New("disk full")
	if _, err := Write(context.Background(), failWriter{boom}, smallStore(t), sealedOpts[string](t)); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the writer's", err)
	}
}

func TestOnHeader(t *testing.T) {
	data := write(t, smallStore(t), sealedOpts[string](t))
	opts := sealedOpts[string](t)
	var got Header
	tooOld := errors.New("too old")
	opts.OnHeader = func(h Header) error { got = h; return tooOld }
	dst, st, err := restore(t, data, opts)
	if !errors.Is(err, tooOld) || dst.LenAll() != 0 || st.Records != 0 {
		t.Errorf("OnHeader's error: %v, %d restored, %d read; want its error and nothing read", err, dst.LenAll(), st.Records)
	}
	if got.Name != "test-store" || !slices.Equal(got.Buckets, []string{"", "x", "y"}) || got.Plaintext || got.Created.IsZero() {
		t.Errorf("OnHeader got %+v", got)
	}
}

func TestRestoreProgress(t *testing.T) {
	s := newStore[int, int](t)
	for i := range 2500 {
		s.Set(i, i, livedict.NoExpiry)
	}
	opts := Options[int, int]{Plaintext: true}
	data := write(t, s, opts)
	var read, restored []int64
	opts.Progress = func(st Stats) {
		if st.Restored == 0 {
			read = append(read, st.Records)
		} else {
			restored = append(restored, st.Restored)
		}
	}
	if _, err := Restore(context.Background(), bytes.NewReader(data), newStore[int, int](t), opts); err != nil {
		t.Fatal(err)
	}
	if want := []int64{1024, 2048, 2500}; !slices.Equal(read, want) {
		t.Errorf("read phase reported %v, want %v", read, want)
	}
	if want := []int64{1024, 2048, 2500}; !slices.Equal(restored, want) {
		t.Errorf("apply phase reported %v, want %v", restored, want)
	}
}
