package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// TestMemory prints, for every contender and both key types, the heap each
// entry costs once a million entries are in: the live heap after filling
// (after two GCs) minus the live heap before, over the entries present. The
// keys are made before the first reading, so a string key's bytes, which the
// cache shares with the caller, are not counted; its 16-byte header is. The
// "overhead" column is what remains after the raw key and value sizes
// (unsafe.Sizeof(K) + unsafe.Sizeof(V)).
//
// The full table takes tens of seconds, so it is built only when asked
// for:
//
//	go test -run Memory -v
//
// or with LIVEDICT_MEMORY=1; run it without -race, which changes
// allocation sizes. Otherwise (the test command) it fills each contender
// with 2^14 entries, which checks that every one keeps what it is given,
// and its figures are not ones to quote.
func TestMemory(t *testing.T) {
	n := 1 << 14
	if requested("Memory") || os.Getenv("LIVEDICT_MEMORY") != "" {
		n = benchKeys()
	}
	var out strings.Builder
	fmt.Fprintf(&out, "\nMemory per entry, %d entries, GOARCH=%s\n\n", n, runtime.GOARCH)
	fmt.Fprintln(&out, "| key type | contender | bytes/entry | raw K+V | overhead | present |")
	fmt.Fprintln(&out, "|---|---|---:|---:|---:|---:|")
	memoryRows[string](t, &out, n)
	memoryRows[uint64](t, &out, n)
	fmt.Print(out.String())
}

func memoryRows[K Key](t *testing.T, out *strings.Builder, n int) {
	var k K
	var v value
	raw := int(unsafe.Sizeof(k) + unsafe.Sizeof(v))
	typ := "uint64"
	if _, ok := any(k).(string); ok {
		typ = "string"
	}
	keys := Keys[K](0, n)
	for _, ct := range Contenders[K, value]() {
		perEntry, present := heapPerEntry(ct, keys)
		fmt.Fprintf(out, "| %s | %s | %.1f | %d | %.1f | %d |\n",
			typ, ct.Name, perEntry, raw, perEntry-float64(raw), present)
		if present < n/2 {
			t.Errorf("%s/%s: only %d of %d entries present", typ, ct.Name, present, n)
		}
	}
}

// heapPerEntry fills a fresh cache of contender ct with keys and returns the
// live heap it added, per entry present.
func heapPerEntry[K Key](ct Contender[K, value], keys []K) (float64, int) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := ct.Build(0)
	present := fill(c, keys, ct.TTL)
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	c.Close()
	grown := float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
	return grown / float64(max(present, 1)), present
}
