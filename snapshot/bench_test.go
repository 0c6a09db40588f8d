package snapshot

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/livedict/livedict"
)

const benchEntries = 10_000

func benchStore(b *testing.B) *livedict.Store[string, string] {
	s := newStore[string, string](b)
	v := string(bytes.Repeat([]byte("v"), 64))
	for i := range benchEntries {
		s.Bucket("b").Set("key:"+strconv.Itoa(i), v, livedict.NoExpiry)
	}
	return s
}

// BenchmarkWrite reports the cost of snapshotting 10,000 entries with
// 64-byte values, sealed; records/s is the figure to read.
func BenchmarkWrite(b *testing.B) {
	s := benchStore(b)
	opts := sealedOpts[string](b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if _, err := Write(context.Background(), &buf, s, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchEntries*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(buf.Len())/benchEntries, "bytes/record")
}

// BenchmarkRestore restores that snapshot into a fresh store each time.
func BenchmarkRestore(b *testing.B) {
	opts := sealedOpts[string](b)
	data := write(b, benchStore(b), opts)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s, err := livedict.New[string, string](nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Restore(context.Background(), bytes.NewReader(data), s, opts); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(benchEntries*b.N)/b.Elapsed().Seconds(), "records/s")
}
