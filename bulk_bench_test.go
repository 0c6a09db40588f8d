package livedict_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/livedict/livedict"
)

// BenchmarkBulk compares each bulk call with the loop of single calls it
// stands for, on the same store in the same run: form=bulk against
// form=loop (read with benchstat -col /form). ns/op is per batch of n keys,
// drawn at random from benchKeys present string keys.
func BenchmarkBulk(b *testing.B) {
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	// One store for every sub-benchmark: each leaves it as it found it.
	s, err := livedict.New[string, int](nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.SetMany(keys, make([]int, len(keys)), livedict.NoExpiry); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{16, 256} {
		r := rand.New(rand.NewPCG(uint64(n), 7))
		const batches = 64
		batch := make([][]string, batches)
		vals := make([]int, n)
		for i := range batch {
			batch[i] = make([]string, n)
			for j := range batch[i] {
				batch[i][j] = keys[r.IntN(len(keys))]
			}
		}
		fresh := make([][]string, batches) // keys never stored before
		for i := range fresh {
			fresh[i] = make([]string, n)
			for j := range fresh[i] {
				fresh[i][j] = "new:" + strconv.Itoa(i*n+j)
			}
		}
		name := func(op, form string) string { return "op=" + op + "/n=" + strconv.Itoa(n) + "/form=" + form }

		// The two forms of each op run one after the other, so that a
		// change in the machine's load between them is as small as can be.
		forms := func(op string, fn func(b *testing.B, bulk bool)) {
			for _, form := range []string{"loop", "bulk"} {
				b.Run(name(op, form), func(b *testing.B) { fn(b, form == "bulk") })
			}
		}
		{
			forms("Get", func(b *testing.B, bulk bool) {
				values, found := make([]int, n), make([]bool, n)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					ks := batch[i%batches]
					i++
					if bulk {
						s.GetManyInto(ks, values, found)
						continue
					}
					for j, k := range ks {
						values[j], found[j] = s.Get(k)
					}
				}
			})
			forms("Set", func(b *testing.B, bulk bool) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					ks := batch[i%batches]
					i++
					if bulk {
						_ = s.SetMany(ks, vals, livedict.NoExpiry)
						continue
					}
					for j, k := range ks {
						_ = s.Set(k, vals[j], livedict.NoExpiry)
					}
				}
			})
			// Insert new keys, then delete them: the insert and delete paths.
			forms("SetDelete", func(b *testing.B, bulk bool) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					ks := fresh[i%batches]
					i++
					if bulk {
						_ = s.SetMany(ks, vals, livedict.NoExpiry)
						s.DeleteMany(ks)
						continue
					}
					for j, k := range ks {
						_ = s.Set(k, vals[j], livedict.NoExpiry)
					}
					for _, k := range ks {
						s.Delete(k)
					}
				}
			})
			forms("ParallelSet", func(b *testing.B, bulk bool) {
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := rand.IntN(batches)
					for pb.Next() {
						ks := batch[i%batches]
						i++
						if bulk {
							_ = s.SetMany(ks, vals, livedict.NoExpiry)
							continue
						}
						for j, k := range ks {
							_ = s.Set(k, vals[j], livedict.NoExpiry)
						}
					}
				})
			})
		}
	}
}
