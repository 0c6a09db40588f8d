package livedict_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict"
)

// The model test drives a store with seeded random operations in virtual
// time and checks every result against a plain map of deadlines. It also
// checks that OnExpire fires exactly once for every entry that reached its
// deadline while stored, and for no other.

const (
	modelSeeds = 300
	modelOps   = 2000
	tick       = int64(time.Millisecond)
)

type modelEntry struct {
	val      int
	deadline int64 // store nanoseconds (elapsed since New, plus one tick); 0 = none
	token    string
}

type modelKey struct {
	bucket string
	key    int
}

type expireLog struct {
	mu  sync.Mutex
	got map[modelKey][]int // values whose OnExpire fired
}

func (l *expireLog) add(ev livedict.Event[int, int]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := modelKey{ev.Bucket, ev.Key}
	l.got[k] = append(l.got[k], ev.Value)
}

func TestModel(t *testing.T) { runSeeds(t, modelSeeds, runModel) }

func runModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	maxKeys := 0
	if r.IntN(4) == 0 {
		maxKeys = 8 + r.IntN(24)
	}
	shards := []int{1, 2, 16}[r.IntN(3)]
	log := &expireLog{got: map[modelKey][]int{}}
	s, err := livedict.New(&livedict.Options[int, int]{
		MaxKeys:  maxKeys,
		Shards:   shards,
		OnExpire: log.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Now()
	now := func() int64 { return int64(time.Since(base)) + tick }
	due := func(d int64) int64 { return (d + tick - 1) / tick * tick }

	views := map[string]*livedict.View[int, int]{"": s.Bucket(""), "a": s.Bucket("a"), "b": s.Bucket("b")}
	bucketNames := []string{"", "a", "b"}
	model := map[modelKey]modelEntry{}
	wantExpired := map[modelKey][]int{}
	nextVal := 0

	// expireFound removes an entry a write found past its deadline.
	live := func(k modelKey) (modelEntry, bool) {
		e, ok := model[k]
		if !ok || (e.deadline != 0 && e.deadline <= now()) {
			return modelEntry{}, false
		}
		return e, true
	}
	dropExpired := func(k modelKey) {
		if e, ok := model[k]; ok && e.deadline != 0 && e.deadline <= now() {
			wantExpired[k] = append(wantExpired[k], e.val)
			delete(model, k)
		}
	}
	reap := func() {
		for k, e := range model {
			if e.deadline != 0 && due(e.deadline) <= now() {
				wantExpired[k] = append(wantExpired[k], e.val)
				delete(model, k)
			}
		}
	}
	randTTL := func() time.Duration {
		switch r.IntN(4) {
		case 0:
			return livedict.NoExpiry
		case 1:
			return time.Duration(1+r.IntN(5)) * time.Millisecond
		default:
			return time.Duration(1+r.IntN(2000)) * time.Millisecond
		}
	}
	deadlineFor := func(ttl time.Duration) int64 {
		if ttl == livedict.NoExpiry {
			return 0
		}
		return now() + int64(ttl)
	}
	check := func(step int, what string, got, want any) {
		if got != want {
			t.Fatalf("seed %d step %d %s: got %v, want %v", seed, step, what, got, want)
		}
	}
	// A guarded entry ("tok") is a miss to a caller presenting another
	// token, and only a caller presenting "tok" may replace or remove it.
	sees := func(e modelEntry, token string) bool { return e.token == "" || e.token == token }
	insert := func(step int, k modelKey, v int, ttl time.Duration, token string) {
		dropExpired(k)
		old, exists := model[k]
		guarded := exists && !sees(old, token)
		full := maxKeys > 0 && !exists && len(model) >= maxKeys
		var err error
		if token != "" {
			err = views[k.bucket].SetWith(k.key, v, livedict.SetOptions[int, int]{TTL: ttl, Token: token})
		} else {
			err = views[k.bucket].Set(k.key, v, ttl)
		}
		check(step, "Set full", errors.Is(err, livedict.ErrFull), full)
		check(step, "Set guarded", errors.Is(err, livedict.ErrGuarded), guarded)
		if !full && !guarded {
			model[k] = modelEntry{val: v, deadline: deadlineFor(ttl), token: token}
		}
	}

	for step := range modelOps {
		k := modelKey{bucketNames[r.IntN(3)], r.IntN(24)}
		v := views[k.bucket]
		switch op := r.IntN(100); {
		case op < 25:
			nextVal++
			token := ""
			if r.IntN(8) == 0 {
				token = "tok"
			}
			insert(step, k, nextVal, randTTL(), token)
		case op < 50:
			got, ok := v.Get(k.key)
			e, want := live(k)
			if want && e.token != "" {
				want = false
			}
			check(step, fmt.Sprintf("Get %v ok", k), ok, want)
			if want {
				check(step, fmt.Sprintf("Get %v value", k), got, e.val)
			}
		case op < 55:
			got, ok := v.GetWithToken(k.key, "tok")
			e, want := live(k)
			check(step, "GetWithToken ok", ok, want)
			if want {
				check(step, "GetWithToken value", got, e.val)
			}
		case op < 62:
			token := []string{"", "tok", "bad"}[r.IntN(3)]
			e, want := live(k)
			want = want && sees(e, token)
			dropExpired(k)
			if token == "" {
				check(step, "Delete", v.Delete(k.key), want)
			} else {
				check(step, "DeleteWithToken "+token, v.DeleteWithToken(k.key, token), want)
			}
			if want {
				delete(model, k)
			}
		case op < 66:
			e, want := live(k)
			check(step, "Has", v.Has(k.key), want && e.token == "")
		case op < 70:
			ttl := randTTL()
			token := []string{"", "tok", "bad"}[r.IntN(3)]
			e, want := live(k)
			want = want && sees(e, token)
			dropExpired(k)
			if token == "" {
				check(step, "Touch", v.Touch(k.key, ttl), want)
			} else {
				check(step, "TouchWithToken "+token, v.TouchWithToken(k.key, ttl, token), want)
			}
			if want {
				e := model[k]
				e.deadline = deadlineFor(ttl)
				model[k] = e
			}
		case op < 74:
			nextVal++
			e, present := live(k)
			dropExpired(k)
			full := maxKeys > 0 && !present && len(model) >= maxKeys
			stored, err := v.SetIfAbsent(k.key, nextVal, livedict.NoExpiry)
			check(step, "SetIfAbsent err", errors.Is(err, livedict.ErrFull), full)
			check(step, "SetIfAbsent guarded", errors.Is(err, livedict.ErrGuarded), present && e.token != "")
			check(step, "SetIfAbsent stored", stored, !present && !full)
			if stored {
				model[k] = modelEntry{val: nextVal}
			}
		case op < 77:
			e, ok := live(k)
			ok = ok && e.token == ""
			d, got := v.TTL(k.key)
			check(step, "TTL ok", got, ok)
			if ok && e.deadline == 0 {
				check(step, "TTL none", d, livedict.NoExpiry)
			} else if ok {
				check(step, "TTL left", int64(d), e.deadline-now())
			}
		case op < 80:
			e, ok := live(k)
			if !ok {
				break
			}
			nextVal++
			swapped, err := livedict.CompareAndSwap(v, k.key, e.val, nextVal)
			check(step, "CAS err", err, nil)
			check(step, "CAS swapped", swapped, e.token == "")
			if swapped {
				e.val = nextVal
				model[k] = e
			}
		case op < 82:
			if r.IntN(10) == 0 {
				v.Clear()
				for mk := range model {
					if mk.bucket == k.bucket {
						dropExpired(mk)
						delete(model, mk)
					}
				}
			}
		default:
			time.Sleep(time.Duration(r.Int64N(int64(300 * time.Millisecond))))
			synctest.Wait()
			reap()
			check(step, "Len", s.LenAll(), len(model))
			log.mu.Lock()
			if !equalLogs(log.got, wantExpired) {
				t.Fatalf("seed %d step %d: OnExpire fired for %v, want %v", seed, step, log.got, wantExpired)
			}
			log.mu.Unlock()
		}
	}
	time.Sleep(time.Hour)
	synctest.Wait()
	reap()
	check(-1, "final Len", s.LenAll(), len(model))
	log.mu.Lock()
	defer log.mu.Unlock()
	if !equalLogs(log.got, wantExpired) {
		t.Fatalf("seed %d end: OnExpire fired for %v, want %v", seed, log.got, wantExpired)
	}
}

func equalLogs(a, b map[modelKey][]int) bool {
	count := func(m map[modelKey][]int) int {
		n := 0
		for _, v := range m {
			n += len(v)
		}
		return n
	}
	if count(a) != count(b) {
		return false
	}
	for k, va := range a {
		x, y := slices.Clone(va), slices.Clone(b[k])
		slices.Sort(x)
		slices.Sort(y)
		if !slices.Equal(x, y) {
			return false
		}
	}
	return true
}
