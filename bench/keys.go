package bench

import "strconv"

// Key is the set of key types the benchmarks use. It is a subset of every
// contender's key constraint (ristretto's included), so one generic benchmark
// body serves all of them.
type Key interface {
	string | uint64
}

// Keys returns n distinct keys numbered from base to base+n-1. String keys
// read "key-<i>"; uint64 keys are i passed through a bijective mixer, so they
// are distinct, spread over the whole range and do not favour a cache whose
// hash is weak on small sequential integers.
func Keys[K Key](base, n int) []K {
	keys := make([]K, n)
	switch ks := any(keys).(type) {
	case []string:
		// Each key is its own small heap object, as keys that come from
		// requests are; the buffer is reused and string() copies out of it.
		buf := make([]byte, 0, 32)
		for i := range ks {
			buf = strconv.AppendUint(append(buf[:0], "key-"...), uint64(base+i), 10)
			ks[i] = string(buf)
		}
	case []uint64:
		for i := range ks {
			ks[i] = Mix64(uint64(base + i))
		}
	}
	return keys
}

// Mix64 is the splitmix64 finaliser: a bijection on uint64 with good
// avalanche, used to turn sequential numbers into well-spread keys.
func Mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Gather returns the keys that a trace of indices names, in trace order, so
// that a benchmark loop does a slice load and nothing else per operation.
func Gather[K Key](keys []K, trace []uint32) []K {
	out := make([]K, len(trace))
	for i, ix := range trace {
		out[i] = keys[ix]
	}
	return out
}
