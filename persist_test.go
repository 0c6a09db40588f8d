package livedict_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/codec"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

type profile struct {
	Name  string
	Age   int
	Tags  []string
	Score float64
}

func testKeys(t testing.TB) (*crypto.Keyring, crypto.Key) {
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

// persisted returns options persisting to backend, encrypted.
func persisted[K comparable, V any](t testing.TB, backend store.Stage, mode livedict.Persistence) *livedict.Options[K, V] {
	ring, nk := testKeys(t)
	return &livedict.Options[K, V]{Persist: &livedict.Persist[K, V]{
		Backend: backend, Keyring: ring, NameKey: nk, Mode: mode,
		OnError: func(error) {},
	}}
}

func mustNew[K comparable, V any](t testing.TB, o *livedict.Options[K, V]) *livedict.Store[K, V] {
	t.Helper()
	s, err := livedict.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPersistOptionErrors(t *testing.T) {
	mem := store.NewMemory()
	cases := []struct {
		name  string
		opts  *livedict.Options[string, int]
		field string
	}{
		{"no backend", &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{Plaintext: true}}, "Backend"},
		{"no keyring", &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{Backend: mem}}, "Keyring"},
		{"negative queue", &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{Backend: mem, Plaintext: true, QueueSize: -1}}, "QueueSize"},
		{"bucket persisted without Persist", &livedict.Options[string, int]{Buckets: map[string]livedict.BucketOptions{"a": {Persistence: livedict.WriteThrough}}}, "Persistence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := livedict.New(c.opts)
			var oe *livedict.OptionError
			if !errors.As(err, &oe) || !errors.Is(err, livedict.ErrInvalidOption) {
				t.Fatalf("New: err = %v, want an OptionError", err)
			}
			if !bytes.Contains([]byte(oe.Field), []byte(c.field)) {
				t.Fatalf("error names %q, want a field containing %q", oe.Field, c.field)
			}
		})
	}
}

func TestPersistKeyTypeWithoutCodecFailsAtNew(t *testing.T) {
	type point struct{ X, Y int }
	_, err := livedict.New(&livedict.Options[point, int]{Persist: &livedict.Persist[point, int]{Backend: store.NewMemory(), Plaintext: true}})
	if !errors.Is(err, codec.ErrNoKeyCodec) || !errors.Is(err, livedict.ErrInvalidOption) {
		t.Fatalf("New with a struct key: err = %v, want ErrNoKeyCodec and ErrInvalidOption", err)
	}
}

func TestWriteBehindFlushReachesBackendEncrypted(t *testing.T) {
	data := new(store.MemoryData)
	s := mustNew(t, persisted[string, profile](t, store.NewMemoryShared(data), livedict.WriteBehind))
	want := profile{Name: "ada-lovelace-secret", Age: 36, Tags: []string{"math"}}
	if err := s.Set("user:ada", want, livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	raw := store.NewMemoryShared(data)
	n := 0
	for r, err := range raw.Scan(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
		// Look for strings no hex name or random ciphertext holds by
		// chance: "ada" alone is three hex digits.
		if bytes.Contains(r.Key, []byte("user:ada")) || bytes.Contains(r.Value, []byte("lovelace-secret")) {
			t.Fatalf("the backend holds the key or value in clear: %q / %q", r.Key, r.Value)
		}
	}
	if n != 1 {
		t.Fatalf("backend holds %d records after Flush, want 1", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(context.Background()); !errors.Is(err, livedict.ErrClosed) {
		t.Fatalf("Flush after Close: %v, want ErrClosed", err)
	}
}

// TestRestartWarm: 10k entries with mixed TTLs through write-behind, Flush,
// a new Store on the same backend, Warm: every unexpired entry identical,
// no expired one.
func TestRestartWarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring, nk := testKeys(t)
		data := new(store.MemoryData)
		opts := func() *livedict.Options[string, profile] {
			return &livedict.Options[string, profile]{
				Buckets: map[string]livedict.BucketOptions{"b": {}},
				Persist: &livedict.Persist[string, profile]{
					Backend: store.NewMemoryShared(data), Keyring: ring, NameKey: nk,
					Compress: nil, OnError: func(err error) { t.Errorf("OnError: %v", err) },
				}}
		}
		s := mustNew(t, opts())
		const n = 10000
		want := map[string]map[string]profile{"": {}, "b": {}}
		for i := range n {
			bucket := []string{"", "b"}[i%2]
			key := "k" + strconv.Itoa(i)
			v := profile{Name: key, Age: i, Tags: []string{strconv.Itoa(i % 7)}}
			var ttl time.Duration
			switch i % 3 {
			case 0:
				ttl = livedict.NoExpiry
			case 1:
				ttl = time.Hour
			case 2:
				ttl = 10 * time.Millisecond // expired by the time we warm
			}
			if err := s.Bucket(bucket).Set(key, v, ttl); err != nil {
				t.Fatal(err)
			}
			if i%3 != 2 {
				want[bucket][key] = v
			}
		}
		if err := s.Flush(context.Background()); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // virtual: the short TTLs pass

		s2 := mustNew(t, opts())
		defer s2.Close()
		got, err := s2.WarmAll(context.Background())
		if err != nil {
			t.Fatalf("Warm: %v", err)
		}
		if got != len(want[""])+len(want["b"]) {
			t.Errorf("Warm stored %d entries, want %d", got, len(want[""])+len(want["b"]))
		}
		for bucket, m := range want {
			have := map[string]profile{}
			for k, v := range s2.Bucket(bucket).All() {
				have[k] = v
			}
			if d := cmp.Diff(m, have); d != "" {
				t.Fatalf("bucket %q after Warm (-want +got):\n%s", bucket, d)
			}
			for k := range m {
				if d, ok := s2.Bucket(bucket).TTL(k); !ok || (d != livedict.NoExpiry && d > time.Hour) {
					t.Fatalf("%q: TTL %v, %v after Warm", k, d, ok)
				}
			}
		}
	})
}

// TestLoadOneFlight: N concurrent Loads that miss the same key make exactly
// one backend Get.
func TestLoadOneFlight(t *testing.T) {
	data := new(store.MemoryData)
	{
		s := mustNew(t, &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
			Backend: store.NewMemoryShared(data), Plaintext: true}})
		if err := s.Set("hot", "value", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil { // Close flushes
			t.Fatal(err)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemoryShared(data))
		s := mustNew(t, &livedict.Options[string, string]{Persist: &livedict.Persist[string, string]{
			Backend: f, Plaintext: true}})
		defer s.Close()
		f.Hang() // every Load waits in the one backend Get until Release
		const n = 64
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := f.Calls()
		for range n {
			wg.Go(func() {
				v, err := s.Load(context.Background(), "hot")
				if err == nil && v != "value" {
					err = fmt.Errorf("Load = %q", v)
				}
				errs <- err
			})
		}
		// Wait until every Load is blocked (one in the backend Get, the rest
		// waiting for its result), then let the Get go.
		synctest.Wait()
		f.Release()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if calls := f.Calls() - start; calls != 1 {
			t.Fatalf("%d concurrent Loads made %d backend calls, want 1", n, calls)
		}
		if v, ok := s.Get("hot"); !ok || v != "value" {
			t.Fatalf("after Load, Get = %q, %v; want the value in memory", v, ok)
		}
	})
}

func TestLoadLoaderAndNotFound(t *testing.T) {
	calls := 0
	s := mustNew(t, &livedict.Options[int, string]{
		Persist: &livedict.Persist[int, string]{Backend: store.NewMemory(), Plaintext: true},
		Loader: func(_ context.Context, bucket string, k int) (string, time.Duration, error) {
			calls++
			if k < 0 {
				return "", 0, livedict.ErrNotFound
			}
			return bucket + ":" + strconv.Itoa(k), livedict.NoExpiry, nil
		}})
	defer s.Close()
	v, err := s.Bucket("b").Load(context.Background(), 7)
	if err != nil || v != "b:7" {
		t.Fatalf("Load = %q, %v; want the Loader's value", v, err)
	}
	if _, err := s.Bucket("b").Load(context.Background(), 7); err != nil || calls != 1 {
		t.Fatalf("second Load: err %v, Loader calls %d; want a memory hit", err, calls)
	}
	if _, err := s.Load(context.Background(), -1); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("Load of a missing key: %v, want ErrNotFound", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Load(ctx, 8); !errors.Is(err, context.Canceled) {
		t.Fatalf("Load with a cancelled context: %v", err)
	}
	// The Loader's value was persisted like a Set.
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().Persisted; n != 1 {
		t.Fatalf("Stats.Persisted = %d, want 1", n)
	}
}

func TestDeleteTouchClearReachBackend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		data := new(store.MemoryData)
		s := mustNew(t, &livedict.Options[string, int]{Persist: &livedict.Persist[string, int]{
			Backend: store.NewMemoryShared(data), Plaintext: true, Mode: livedict.WriteThrough}})
		defer s.Close()
		ctx := context.Background()
		raw := store.NewMemoryShared(data)
		get := func(k string) (store.Record, error) { return raw.Get(ctx, "", []byte(k)) }
		for i, k := range []string{"a", "b", "c"} {
			if err := s.SetContext(ctx, k, i, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := s.DeleteContext(ctx, "a"); !ok || err != nil {
			t.Fatalf("DeleteContext = %v, %v", ok, err)
		}
		if _, err := get("a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted key still in the backend: %v", err)
		}
		before, _ := get("b")
		time.Sleep(time.Second)
		if !s.Touch("b", time.Hour) {
			t.Fatal("Touch missed")
		}
		after, err := get("b")
		if err != nil || !after.ExpireAt.After(before.ExpireAt.Add(50*time.Minute)) {
			t.Fatalf("Touch did not move the persisted expiry: %v → %v (%v)", before.ExpireAt, after.ExpireAt, err)
		}
		s.Clear()
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"b", "c"} {
			if _, err := get(k); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Clear left %q in the backend: %v", k, err)
			}
		}
	})
}

// TestHungBackendNeverBlocks: with a backend that hangs, write-behind Set
// and every Get return at once, and write-through Set returns at the
// configured deadline with an error while keeping the value in memory.
func TestHungBackendNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		defer f.Release()
		const timeout = 2 * time.Second
		s := mustNew(t, &livedict.Options[string, int]{
			Buckets: map[string]livedict.BucketOptions{"through": {Persistence: livedict.WriteThrough}},
			Persist: &livedict.Persist[string, int]{Backend: f, Plaintext: true, Timeout: timeout, OnError: func(error) {}},
		})
		start := time.Now()
		for i := range 1000 {
			if err := s.Set("k"+strconv.Itoa(i), i, livedict.NoExpiry); err != nil {
				t.Fatalf("write-behind Set: %v", err)
			}
			if v, ok := s.Get("k" + strconv.Itoa(i)); !ok || v != i {
				t.Fatal("Get missed a value just set")
			}
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("write-behind Sets and Gets took %v of virtual time with a hung backend, want 0", d)
		}
		start = time.Now()
		err := s.Bucket("through").Set("x", 1, livedict.NoExpiry)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("write-through Set on a hung backend: %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > timeout {
			t.Fatalf("write-through Set returned after %v, past the %v deadline", d, timeout)
		}
		if v, ok := s.Bucket("through").Get("x"); !ok || v != 1 {
			t.Fatal("a failed write-through Set lost the value in memory")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := s.Load(ctx, "missing"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Load on a hung backend: %v", err)
		}
		f.Release()
		if err := s.Close(); err != nil {
			t.Fatalf("Close after the backend came back: %v", err)
		}
	})
}

// TestFaultEveryN: for every N, failing backend operation N leaves every
// memory result identical to the clean run, and write-behind Set never
// returns a persistence error; once the backend is healthy, Flush brings
// it in line with memory.
func TestFaultEveryN(t *testing.T) {
	const ops = 500
	run := func(failAt int) (results []string, backend map[string]string, calls int) {
		synctest.Test(t, func(t *testing.T) {
			data := new(store.MemoryData)
			f := faulty.Wrap(store.NewMemoryShared(data))
			if failAt > 0 {
				f.FailNth(failAt, errors.New("injected"))
			}
			s := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
				Backend: f, Plaintext: true, FlushInterval: time.Millisecond, RetryBackoff: time.Millisecond,
				OnError: func(error) {}}})
			for i := range ops {
				k := (i * 7) % 37
				switch i % 5 {
				case 0, 1, 2:
					if err := s.Set(k, i, livedict.NoExpiry); err != nil {
						t.Fatalf("op %d: Set returned %v", i, err)
					}
				case 3:
					results = append(results, fmt.Sprint(s.Delete(k)))
				case 4:
					v, ok := s.Get(k)
					results = append(results, fmt.Sprint(v, ok))
				}
				if i%50 == 49 {
					time.Sleep(5 * time.Millisecond) // let the flusher run, in virtual time
				}
			}
			final := map[int]int{}
			for k, v := range s.All() {
				final[k] = v
			}
			results = append(results, fmt.Sprint(final)) // fmt sorts map keys
			if err := s.Close(); err != nil && !strings.Contains(err.Error(), "injected") {
				t.Fatalf("Close: %v", err) // the injected failure may land on the backend's Close
			}
			calls = f.Calls()
			backend = map[string]string{}
			for r, err := range store.NewMemoryShared(data).Scan(context.Background(), "") {
				if err != nil {
					t.Fatal(err)
				}
				backend[string(r.Key)] = string(r.Value)
			}
		})
		return results, backend, calls
	}
	clean, cleanBackend, calls := run(0)
	if calls < 20 {
		t.Fatalf("the clean run made only %d backend calls; the test would prove little", calls)
	}
	t.Logf("the clean run makes %d backend calls", calls)
	for n := 1; n <= ops; n++ {
		got, backend, _ := run(n)
		if d := cmp.Diff(clean, got); d != "" {
			t.Fatalf("failing backend call %d changed memory results (-clean +faulty):\n%s", n, d)
		}
		if d := cmp.Diff(cleanBackend, backend); d != "" {
			t.Fatalf("failing backend call %d: after Close the backend differs (-clean +faulty):\n%s", n, d)
		}
	}
}

// TestWriteThroughOrdering: concurrent write-through writers of the same keys
// leave the backend equal to memory.
func TestWriteThroughOrdering(t *testing.T) {
	data := new(store.MemoryData)
	s := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
		Backend: store.NewMemoryShared(data), Plaintext: true, Mode: livedict.WriteThrough}})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 300 {
				k := i % 10
				if i%7 == 3 {
					if _, err := s.DeleteContext(context.Background(), k); err != nil {
						t.Error(err)
					}
					continue
				}
				if err := s.Set(k, g*1000+i, livedict.NoExpiry); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	mem := map[int]int{}
	for k, v := range s.All() {
		mem[k] = v
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := mustNew(t, &livedict.Options[int, int]{Persist: &livedict.Persist[int, int]{
		Backend: store.NewMemoryShared(data), Plaintext: true}})
	defer s2.Close()
	if _, err := s2.WarmAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	back := map[int]int{}
	for k, v := range s2.All() {
		back[k] = v
	}
	if d := cmp.Diff(mem, back); d != "" {
		t.Fatalf("backend differs from memory after concurrent write-through writes (-memory +backend):\n%s", d)
	}
}

// TestFullQueueDrop: with the Drop policy and a hung backend, writes past
// the queue bound stay in memory and are counted as dropped.
func TestFullQueueDrop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := faulty.Wrap(store.NewMemory())
		f.Hang()
		defer f.Release()
		s := mustNew(t, &livedict.Options[int, int]{Shards: 16, Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 16 * 16, WhenFull: livedict.Drop, Timeout: time.Second,
			FlushInterval: time.Hour, OnError: func(error) {}}})
		defer s.Close()
		for i := range 10000 {
			if err := s.Set(i, i, livedict.NoExpiry); err != nil {
				t.Fatal(err)
			}
		}
		st := s.Stats()
		if st.Entries != 10000 {
			t.Fatalf("memory holds %d entries, want 10000", st.Entries)
		}
		if st.PersistDropped == 0 || st.PersistPending > 2*16*16+2*16 {
			t.Fatalf("dropped %d, pending %d: the queue did not stay within its bound", st.PersistDropped, st.PersistPending)
		}
	})
}

// TestStoreRotate: 10k entries under key 1, a new primary, 10k more,
// Rotate, key 1 retired: 20k of 20k readable from the backend at every
// step.
func TestStoreRotate(t *testing.T) {
	k1, _ := crypto.GenerateKey()
	k2, _ := crypto.GenerateKey()
	nk, _ := crypto.GenerateKey()
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k1)
	if err != nil {
		t.Fatal(err)
	}
	data := new(store.MemoryData)
	opts := func() *livedict.Options[int, string] {
		return &livedict.Options[int, string]{Persist: &livedict.Persist[int, string]{
			Backend: store.NewMemoryShared(data), Keyring: ring, NameKey: nk,
			OnError: func(err error) { t.Errorf("OnError: %v", err) }}}
	}
	// readable checks, through a fresh store, that keys [0, n) all warm.
	readable := func(step string, n int) {
		t.Helper()
		s := mustNew(t, opts())
		defer s.Close()
		got, err := s.WarmAll(context.Background())
		if err != nil || got != n {
			t.Fatalf("%s: Warm = %d, %v; want %d", step, got, err, n)
		}
		for i := range n {
			if v, ok := s.Get(i); !ok || v != strconv.Itoa(i) {
				t.Fatalf("%s: key %d = %q, %v", step, i, v, ok)
			}
		}
	}
	s := mustNew(t, opts())
	defer s.Close()
	const n = 10000
	for i := range n {
		if err := s.Set(i, strconv.Itoa(i), livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	readable("under key 1", n)
	if err := ring.Add(2, k2); err != nil {
		t.Fatal(err)
	}
	if err := ring.SetPrimary(2); err != nil {
		t.Fatal(err)
	}
	for i := n; i < 2*n; i++ {
		if err := s.Set(i, strconv.Itoa(i), livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	readable("keys 1 and 2", 2*n)
	resealed, err := s.Rotate(context.Background())
	if err != nil || resealed != n {
		t.Fatalf("Rotate = %d, %v; want the %d records under key 1", resealed, err, n)
	}
	readable("after Rotate", 2*n)
	if err := ring.Remove(1); err != nil {
		t.Fatal(err)
	}
	readable("key 1 retired", 2*n)
	if again, err := s.Rotate(context.Background()); err != nil || again != 0 {
		t.Fatalf("a second Rotate = %d, %v; want 0 (nothing left under an old key)", again, err)
	}
}

// TestOutageCoalesces: while the backend hangs, a store's writes to a few
// keys compact to one queued op per key, so none is dropped however many
// writes are made; once the backend is back, Flush stores the latest value
// of every key.
func TestOutageCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		data := new(store.MemoryData)
		f := faulty.Wrap(store.NewMemoryShared(data))
		f.Hang()
		s := mustNew(t, &livedict.Options[int, int]{Shards: 16, Persist: &livedict.Persist[int, int]{
			Backend: f, Plaintext: true, QueueSize: 16 * 16, Timeout: time.Second,
			OnError: func(error) {}}})
		defer s.Close()
		const keys, rounds = 100, 1000
		for r := range rounds {
			for k := range keys {
				if err := s.Set(k, r*keys+k, livedict.NoExpiry); err != nil {
					t.Fatal(err)
				}
			}
		}
		st := s.Stats()
		if st.PersistDropped != 0 || st.PersistPending > 2*16*16+2*16 {
			t.Fatalf("after %d writes to %d keys: dropped %d, pending %d; want none dropped and the queue within its bound",
				keys*rounds, keys, st.PersistDropped, st.PersistPending)
		}
		f.Release()
		if err := s.Flush(context.Background()); err != nil {
			t.Fatalf("Flush after the backend came back: %v", err)
		}
		raw := store.NewMemoryShared(data)
		codec := codec.Msgpack[int]()
		for k := range keys {
			kb, _ := mustKeyCodec[int](t).EncodeKey(nil, k)
			r, err := raw.Get(context.Background(), "", kb)
			if err != nil {
				t.Fatalf("key %d not in the backend: %v", k, err)
			}
			v, err := codec.Decode(r.Value)
			if want := (rounds-1)*keys + k; err != nil || v != want {
				t.Fatalf("key %d: backend holds %d (%v), want the latest value %d", k, v, err, want)
			}
		}
	})
}

func mustKeyCodec[K comparable](t *testing.T) codec.KeyCodec[K] {
	kc, err := codec.KeyFor[K]()
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

// TestLoadSeesQueuedWrites: Load never lets the backend's older record win
// over a write still queued for it: a queued delete makes Load miss, and a
// value evicted from memory before its flush comes back from the queue.
func TestLoadSeesQueuedWrites(t *testing.T) {
	data := new(store.MemoryData)
	opts := func(max int) *livedict.Options[int, string] {
		o := &livedict.Options[int, string]{Persist: &livedict.Persist[int, string]{
			Backend: store.NewMemoryShared(data), Plaintext: true, FlushInterval: time.Hour}}
		if max > 0 {
			o.MaxKeys, o.Policy, o.Shards = max, livedict.Evict, 1
		}
		return o
	}
	s := mustNew(t, opts(0))
	for i := range 100 {
		if err := s.Set(i, "old", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustNew(t, opts(16))
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Load(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Delete(1) // queued, not flushed (FlushInterval is an hour)
	if v, err := s.Load(ctx, 1); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("Load after a queued Delete = %q, %v; want ErrNotFound, not the backend's old record", v, err)
	}
	for i := 2; i < 100; i++ { // new values, most of them evicted before any flush
		if err := s.Set(i, "new", livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.LenAll(); n > 16 {
		t.Fatalf("Len = %d, want the Evict bound 16", n)
	}
	for i := 2; i < 100; i++ {
		if v, err := s.Load(ctx, i); err != nil || v != "new" {
			t.Fatalf("Load(%d) = %q, %v; want the queued value, not the backend's old one", i, v, err)
		}
	}
}

// TestDeleteOfEvictedKeyReachesBackend: deleting a key that is only in
// the backend (evicted from memory) deletes it there, so Load does not
// bring it back.
func TestDeleteOfEvictedKeyReachesBackend(t *testing.T) {
	s := mustNew(t, &livedict.Options[int, int]{MaxKeys: 16, Policy: livedict.Evict, Shards: 1,
		Persist: &livedict.Persist[int, int]{Backend: store.NewMemory(), Plaintext: true}})
	defer s.Close()
	ctx := context.Background()
	for i := range 100 {
		if err := s.Set(i, i, livedict.NoExpiry); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	gone := -1
	for i := range 100 {
		if !s.Has(i) {
			gone = i
			break
		}
	}
	if gone < 0 {
		t.Fatal("nothing was evicted")
	}
	if s.Delete(gone) {
		t.Fatalf("Delete(%d) reported a live entry in memory", gone)
	}
	if v, err := s.Load(ctx, gone); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("Load of a deleted, evicted key = %d, %v; want ErrNotFound", v, err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Load(ctx, gone); !errors.Is(err, livedict.ErrNotFound) {
		t.Fatalf("after Flush, Load of a deleted, evicted key = %d, %v; want ErrNotFound", v, err)
	}
}
