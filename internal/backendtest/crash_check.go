package backendtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

// check reopens path and checks every acknowledged record of every round
// so far, reporting the counts of each kind of damage and the first case.
func (c Crash) check(t *testing.T, path string, kr *crypto.Keyring, acked []int, sums [][]string) {
	t.Helper()
	reopen := c.Reopen
	if reopen == nil {
		reopen = c.Open
	}
	s, err := reopen(path)
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close after the checks: %v", err)
		}
	}()
	var first string
	note := func(format string, args ...any) {
		if first == "" {
			first = fmt.Sprintf(format, args...)
		}
	}

	// Every record there, acknowledged or not, must open.
	scanned := make(map[string]store.Record)
	unopened := 0
	for r, err := range s.Scan(t.Context(), crashBucket) {
		if err != nil {
			t.Fatalf("Scan after the kill: %v", err)
		}
		if _, _, _, err := kr.Open(nil, r.Value, crashBinding(r.Key)); err != nil {
			unopened++
			note("record %q does not open: %v", r.Key, err)
		}
		scanned[string(r.Key)] = r
	}

	lost, wrong, damaged := 0, 0, 0
	for round, last := range acked {
		for b, want := range sums[round] {
			sum := sha256.New()
			for j := range c.Batch {
				i := b*c.Batch + j
				if i > last {
					break
				}
				key := crashKey(round, i)
				r, err := s.Get(t.Context(), crashBucket, key)
				if err != nil {
					lost++
					note("round %d: acknowledged record %d is lost: %v", round, i, err)
					continue
				}
				if sr, ok := scanned[string(key)]; !ok {
					lost++
					note("round %d: acknowledged record %d is missing from Scan", round, i)
				} else if !bytes.Equal(sr.Value, r.Value) {
					wrong++
					note("round %d: record %d differs between Get and Scan", round, i)
				}
				sum.Write(r.Value)
				pt, exp, _, err := kr.Open(nil, r.Value, crashBinding(key))
				switch {
				case err != nil:
					wrong++
					note("round %d: acknowledged record %d does not open: %v", round, i, err)
				case !bytes.Equal(pt, crashPlaintext(round, i)):
					wrong++
					note("round %d: acknowledged record %d has the wrong value", round, i)
				case !exp.Equal(crashExpiry(i)) || !r.ExpireAt.Equal(crashExpiry(i)):
					wrong++
					note("round %d: acknowledged record %d expires at %v (sealed %v), want %v", round, i, r.ExpireAt, exp, crashExpiry(i))
				}
			}
			if got := hex.EncodeToString(sum.Sum(nil)); got != want {
				damaged++
				note("round %d: batch %d is not byte-identical to what was acknowledged", round, b)
			}
		}
	}
	if lost+wrong+damaged+unopened > 0 {
		t.Errorf("after the kill: %d acknowledged records lost, %d do not open to their plaintext and expiry, %d batches not byte-identical, %d stored records do not open; first: %s",
			lost, wrong, damaged, unopened, first)
	}
}
