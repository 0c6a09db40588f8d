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
		newStore := func(b *testing.B) *livedict.Store[string, int] {
			s, err := livedict.New[string, int](nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			if err := s.SetMany(keys, make([]int, len(keys)), livedict.NoExpiry); err != nil {
				b.Fatal(err)
			}
			return s
		}
		name := func(op, form string) string { return "op=" + op + "/n=" + strconv.Itoa(n) + "/form=" + form }

		for _, form := range []string{"loop", "bulk"} {
			bulk := form == "bulk"
			b.Run(name("Get", form), func(b *testing.B) {
				s := newStore(b)
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
			b.Run(name("Set", form), func(b *testing.B) {
				s := newStore(b)
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
			b.Run(name("SetDelete", form), func(b *testing.B) {
				s := newStore(b)
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
			b.Run(name("ParallelSet", form), func(b *testing.B) {
				s := newStore(b)
				b.ReportAllocs()
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
