package bench

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain checks that no contender leaves a goroutine behind once closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// value is the value type of every benchmark: eight bytes, so the memory
// table's raw size is easy to read and no contender gets an advantage from
// value size.
type value = uint64

// benchKeys is the size of the prefilled key set: 2^20 (about a million),
// or LIVEDICT_BENCH_KEYS when set (for quick runs).
var benchKeys = sync.OnceValue(func() int {
	if s := os.Getenv("LIVEDICT_BENCH_KEYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			panic("LIVEDICT_BENCH_KEYS must be a positive integer, got " + s)
		}
		return n
	}
	return 1 << 20
})

const (
	// traceLen is the length of the precomputed Zipf traces (a power of two,
	// so the loops wrap with a mask).
	traceLen = 1 << 20
	// zipfS is the skew of the speed benchmarks' traces, the usual one for
	// cache benchmarks.
	zipfS = 0.99
	// traceSeed makes every run replay the same accesses.
	traceSeed = 42
)

// dataset is what the benchmarks for one key type share, built once.
type dataset[K Key] struct {
	keys []K // the prefilled set
	zipf []K // a Zipf(zipfS) trace over keys, traceLen long
}

func newDataset[K Key]() *dataset[K] {
	n := benchKeys()
	keys := Keys[K](0, n)
	trace, err := Trace(n, traceLen, zipfS, traceSeed)
	if err != nil {
		panic(err)
	}
	return &dataset[K]{keys: keys, zipf: Gather(keys, trace)}
}

var (
	stringData = sync.OnceValue(newDataset[string])
	uint64Data = sync.OnceValue(newDataset[uint64])
)

// data returns the shared dataset for K, building it on first use (outside
// any timer: callers build it before b.Loop or b.ResetTimer).
func data[K Key]() *dataset[K] {
	var k K
	if _, ok := any(k).(string); ok {
		return any(stringData()).(*dataset[K])
	}
	return any(uint64Data()).(*dataset[K])
}

// keyPool hands out distinct keys for the insert benchmark, grown on demand
// and kept, so a run of N inserts never formats a key inside the timer.
type keyPool[K Key] struct {
	mu   sync.Mutex
	keys []K
}

var (
	stringPool keyPool[string]
	uint64Pool keyPool[uint64]
)

// freshKeys returns at least n distinct keys. They are distinct from one
// another, not from the prefilled set: the insert benchmark starts from an
// empty cache.
func freshKeys[K Key](n int) []K {
	var k K
	var p *keyPool[K]
	if _, ok := any(k).(string); ok {
		p = any(&stringPool).(*keyPool[K])
	} else {
		p = any(&uint64Pool).(*keyPool[K])
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if had := len(p.keys); had < n {
		p.keys = nil // let the old pool go before the larger one is built
		runtime.GC()
		p.keys = Keys[K](0, max(n, 2*had, 1<<16))
	}
	return p.keys
}

// fill stores keys[i] → i in c with the given ttl and returns how many keys
// are present afterwards. A contender whose writes are asynchronous and
// dropped when its queue is full (ristretto) is given a Wait every
// asyncBatch writes, so that the queue never overflows, and then a few
// rounds of setting again whatever is still missing; for the others fill
// returns len(keys) without checking.
func fill[K Key](c Cache[K, value], keys []K, ttl time.Duration) int {
	w, async := c.(Waiter)
	for i, k := range keys {
		c.Set(k, value(i), ttl)
		if async && i%asyncBatch == asyncBatch-1 {
			w.Wait()
		}
	}
	if !async {
		return len(keys)
	}
	present := 0
	for range 8 {
		w.Wait()
		present = 0
		for i, k := range keys {
			if _, ok := c.Get(k); ok {
				present++
			} else {
				c.Set(k, value(i), ttl)
			}
		}
		if present == len(keys) {
			break
		}
	}
	w.Wait()
	return present
}

// asyncBatch is how many writes fill issues to an asynchronous contender
// between Waits: well below ristretto's write queue of 32Ki entries.
const asyncBatch = 4096

// requested tells whether the -run pattern names the test explicitly, for
// slow tests that must not run in the normal test command.
func requested(name string) bool {
	f := flag.Lookup("test.run")
	return f != nil && strings.Contains(f.Value.String(), name)
}
