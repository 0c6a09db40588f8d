package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// hitRatioContenders are the caches the hit-ratio harness replays traces
// against: LiveDict with Policy Evict (S3-FIFO), otter with MaximumSize
// (W-TinyLFU), and golang-lru's plain LRU as the reference point.
var hitRatioContenders = []string{"livedict", "otter", "lru-expirable"}

// TestHitRatio replays Zipf traces with s in {0.9, 1.0, 1.1, 1.2} through
// bounded caches of 1% and 10% of the key space, with the usual cache-aside
// loop: Get, and on a miss Set the key. It prints a markdown table of hit
// ratios (hits over all accesses, warm-up included).
//
// The default run is small enough for the normal test command (10k keys,
// 50k accesses per trace, 20k under the race detector): a smoke test of the
// harness and the adapters' bounds, not numbers to quote. LIVEDICT_HITRATIO=1 runs the full version: 1M
// keys, 10M accesses per trace. Print the table with -v:
//
//	LIVEDICT_HITRATIO=1 go test -run HitRatio -v -timeout 30m
//
// Maintenance runs on the replaying goroutine (Config.SyncMaintenance), so
// every run gives the same numbers.
func TestHitRatio(t *testing.T) {
	keySpace, accesses := 10_000, 50_000
	if raceEnabled {
		accesses = 20_000
	}
	if os.Getenv("LIVEDICT_HITRATIO") == "1" {
		keySpace, accesses = 1_000_000, 10_000_000
	}
	var cts []Contender[uint64, value]
	for _, name := range hitRatioContenders {
		ct, err := ContenderByName[uint64, value](name)
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	keys := Keys[uint64](0, keySpace)
	exponents := []float64{0.9, 1.0, 1.1, 1.2}
	percents := []int{1, 10}

	// Every (s, size, contender) replay is independent and deterministic,
	// so they run on GOMAXPROCS workers and fill their own cell.
	ratios := make([][][]float64, len(exponents))
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, runtime.GOMAXPROCS(0))
		errs = make(chan error, len(exponents))
	)
	for i, s := range exponents {
		ratios[i] = make([][]float64, len(percents))
		for j := range percents {
			ratios[i][j] = make([]float64, len(cts))
		}
		wg.Go(func() {
			trace, err := Trace(keySpace, accesses, s, traceSeed)
			if err != nil {
				errs <- err
				return
			}
			var inner sync.WaitGroup
			for j, pct := range percents {
				for m, ct := range cts {
					inner.Go(func() {
						sem <- struct{}{}
						defer func() { <-sem }()
						ratios[i][j][m] = replay(ct, keySpace*pct/100, keys, trace)
					})
				}
			}
			inner.Wait()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\nHit ratio, %d keys, %d accesses per trace\n\n", keySpace, accesses)
	out.WriteString("| s | cache size |")
	for _, ct := range cts {
		out.WriteString(" " + ct.Name + " |")
	}
	out.WriteString("\n|---|---|" + strings.Repeat("---:|", len(cts)) + "\n")
	for i, s := range exponents {
		for j, pct := range percents {
			size := keySpace * pct / 100
			fmt.Fprintf(&out, "| %.1f | %d (%d%%) |", s, size, pct)
			for m, ct := range cts {
				ratio := ratios[i][j][m]
				if ratio <= 0 || ratio >= 1 {
					t.Errorf("s=%.1f size=%d %s: hit ratio %.4f, want in (0, 1)", s, size, ct.Name, ratio)
				}
				fmt.Fprintf(&out, " %.2f%% |", 100*ratio)
			}
			out.WriteString("\n")
		}
	}
	if testing.Verbose() {
		fmt.Print(out.String())
	}
}

// replay runs trace through a fresh cache of ct bounded at size and returns
// the hit ratio.
func replay(ct Contender[uint64, value], size int, keys []uint64, trace []uint32) float64 {
	c := ct.BuildSync(size)
	defer c.Close()
	hits := 0
	for _, ix := range trace {
		k := keys[ix]
		if _, ok := c.Get(k); ok {
			hits++
		} else {
			c.Set(k, value(ix), ct.TTL)
		}
	}
	return float64(hits) / float64(len(trace))
}
