package redis_test

// Benchmarks run against one redis-server the first benchmark starts and
// TestMain stops, so that BenchmarkRedisBenchmarkReference measures the
// same server as the others in the same run. Put and Get run from 16
// goroutines per GOMAXPROCS, as an application serving requests would;
// PutBatch, whose pipelines already keep the server busy, from one per
// GOMAXPROCS; BenchmarkPutBatchSerial from one goroutine, as the
// write-back engine's serialised drains call it. Values are 1 KiB of
// JSON-like text (about 3:1 compressible). Compare BenchmarkPutBatch/plain's
// entries/s with the requests/s of BenchmarkRedisBenchmarkReference (the
// server's ceiling) and the entries/s of BenchmarkGoRedisPipelineReference
// (the client library's).

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
	"github.com/livedict/livedict/store/redis/internal/redistest"
)

const (
	benchKeys  = 1 << 14 // keys cycled through, so memory stays bounded
	benchBatch = 256
)

var bench struct {
	once sync.Once
	srv  *redistest.Server
	err  error
}

// benchServer returns the server shared by the package's benchmarks.
func benchServer(b *testing.B) *redistest.Server {
	b.Helper()
	bench.once.Do(func() { bench.srv, bench.err = redistest.StartProcess() })
	if bench.err != nil {
		b.Fatalf("redistest: %v", bench.err)
	}
	return bench.srv
}

// closeBenchServer stops the shared server, if a benchmark started it.
func closeBenchServer() {
	if bench.srv != nil {
		_ = bench.srv.Close()
	}
}

// benchValue is 1 KiB of JSON-like text.
var benchValue = func() []byte {
	var buf bytes.Buffer
	for i := 0; buf.Len() < 1024; i++ {
		fmt.Fprintf(&buf, `{"id":%d,"name":"user-%d","active":%t,"score":%d},`, i, i*7919%10007, i%3 == 0, i*i%977)
	}
	return buf.Bytes()[:1024]
}()

var benchKeyNames = func() [][]byte {
	ks := make([][]byte, benchKeys)
	for i := range ks {
		ks[i] = fmt.Appendf(nil, "key-%06d", i)
	}
	return ks
}()

// benchStages runs fn on the Store plain, through compression, and through
// compression then encryption.
func benchStages(b *testing.B, fn func(b *testing.B, s store.Stage)) {
	srv := benchServer(b)
	kr, nameKey := benchKeyring(b)
	enc, err := layer.Encrypt(layer.EncryptOptions{Keyring: kr, NameKey: nameKey, Store: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name   string
		layers []layer.Layer
	}{
		{"plain", nil},
		{"compress", []layer.Layer{layer.Compress(layer.CompressOptions{})}},
		{"compress+encrypt", []layer.Layer{layer.Compress(layer.CompressOptions{}), enc}},
	} {
		b.Run(v.name, func(b *testing.B) {
			// A generous Timeout: on a loaded machine a 256-record pipeline
			// can take longer than the default 1s, and a benchmark is no
			// place to test deadlines.
			s, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Prefix: "bench-" + v.name, Timeout: 30 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			fn(b, layer.Chain(s, v.layers...))
		})
	}
}

func benchKeyring(b *testing.B) (*crypto.Keyring, crypto.Key) {
	k, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	kr, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		b.Fatal(err)
	}
	nk, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	return kr, nk
}

// parallel runs op from goroutines per GOMAXPROCS goroutines, each call
// handling perOp entries, and reports entries/s.
func parallel(b *testing.B, goroutines, perOp int, op func(i int) error) {
	b.ReportAllocs()
	b.SetBytes(int64(perOp * len(benchValue)))
	b.SetParallelism(goroutines)
	var next atomic.Int64
	b.ResetTimer()
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1) * 7919)
		for pb.Next() {
			if err := op(i); err != nil {
				b.Error(err)
				return
			}
			i += perOp
		}
	})
	cpu.report(b, b.N*perOp)
	b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "entries/s")
}

// cpuMeter measures the CPU time this process spends on a benchmark's
// entries: unlike the elapsed time, it hardly changes with what else the
// machine runs, so it tells this package's cost apart from the server's.
type cpuMeter struct {
	start time.Duration
	ok    bool
}

func startCPU() cpuMeter {
	t, ok := processCPU()
	return cpuMeter{t, ok}
}

// report reports the CPU time since startCPU per entry, as cpu-ns/entry.
func (m cpuMeter) report(b *testing.B, entries int) {
	t, ok := processCPU()
	if !m.ok || !ok || entries == 0 {
		return
	}
	b.ReportMetric(float64(t-m.start)/float64(entries), "cpu-ns/entry")
}

func BenchmarkPut(b *testing.B) {
	benchStages(b, func(b *testing.B, s store.Stage) {
		parallel(b, 16, 1, func(i int) error {
			return s.Put(b.Context(), store.Record{Bucket: "b", Key: benchKeyNames[i%benchKeys], Value: benchValue})
		})
	})
}

func BenchmarkGet(b *testing.B) {
	benchStages(b, func(b *testing.B, s store.Stage) {
		rs := make([]store.Record, benchKeys)
		for i := range rs {
			rs[i] = store.Record{Bucket: "b", Key: benchKeyNames[i], Value: benchValue}
		}
		if err := s.(store.BatchPutter).PutBatch(b.Context(), rs); err != nil {
			b.Fatal(err)
		}
		parallel(b, 16, 1, func(i int) error {
			_, err := s.Get(b.Context(), "b", benchKeyNames[i%benchKeys])
			return err
		})
	})
}

func BenchmarkPutBatch(b *testing.B) {
	benchStages(b, func(b *testing.B, s store.Stage) {
		bp := s.(store.BatchPutter)
		parallel(b, 1, benchBatch, func(i int) error {
			rs := make([]store.Record, benchBatch)
			for j := range rs {
				rs[j] = store.Record{Bucket: "b", Key: benchKeyNames[(i+j)%benchKeys], Value: benchValue}
			}
			return bp.PutBatch(b.Context(), rs)
		})
	})
}

// BenchmarkPutBatchSerial calls PutBatch the way the write-back engine of
// a LiveDict Store does: one call at a time (its drains are serialised),
// each with every write queued since the last, here n records. The rtt
// cases reach the server through a proxy that delays each direction by
// half the round trip, as a server across a network would; the proxy runs
// in this process, so its CPU time and memory count in those cases' figures.
func BenchmarkPutBatchSerial(b *testing.B) {
	srv := benchServer(b)
	for _, c := range []struct {
		n   int
		rtt time.Duration
	}{{256, 0}, {4096, 0}, {4096, time.Millisecond}} {
		name := fmt.Sprint(c.n)
		if c.rtt > 0 {
			name += "/rtt" + c.rtt.String()
		}
		n := c.n
		b.Run(name, func(b *testing.B) {
			addr := srv.Addr
			if c.rtt > 0 {
				addr = redistest.StartDelayProxy(b, srv.Addr, c.rtt/2).Addr
			}
			s, err := redis.Open(&redis.Options{Addrs: []string{addr}, Prefix: "bench-serial", Timeout: 30 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			rs := make([]store.Record, n)
			b.ReportAllocs()
			b.SetBytes(int64(n * len(benchValue)))
			i := 0
			cpu := startCPU()
			for b.Loop() {
				for j := range rs {
					rs[j] = store.Record{Bucket: "b", Key: benchKeyNames[(i+j)%benchKeys], Value: benchValue}
				}
				if err := s.PutBatch(b.Context(), rs); err != nil {
					b.Fatal(err)
				}
				i += n
			}
			cpu.report(b, b.N*n)
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkStoreWriteBehind is what an application sees: Sets into a
// write-behind LiveDict Store over Redis, then the Flush that stores them
// (internal/backendtest). Its keys are new, so run it with a fixed count
// (-benchtime 200000x) to bound the server's memory.
func BenchmarkStoreWriteBehind(b *testing.B) {
	srv := benchServer(b)
	var n atomic.Int64
	backendtest.BenchmarkStoreWriteBehind(b, func(b *testing.B) store.Stage {
		s, err := redis.Open(&redis.Options{Addrs: []string{srv.Addr}, Prefix: fmt.Sprintf("bench-store-%d", n.Add(1)), Timeout: 30 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkGoRedisPipelineReference writes what BenchmarkPutBatch/plain
// writes, 256 SETs of 1 KiB per pipeline from as many goroutines, with
// go-redis alone: the ceiling of the client library this package uses, to
// tell its cost from this package's.
func BenchmarkGoRedisPipelineReference(b *testing.B) {
	srv := benchServer(b)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true})
	defer c.Close()
	names := make([]string, benchKeys)
	for i := range names {
		names[i] = "bench-raw:" + string(benchKeyNames[i])
	}
	parallel(b, 1, benchBatch, func(i int) error {
		_, err := c.Pipelined(b.Context(), func(p goredis.Pipeliner) error {
			for j := range benchBatch {
				p.Set(b.Context(), names[(i+j)%benchKeys], benchValue, 0)
			}
			return nil
		})
		return err
	})
}

// BenchmarkRawRESPReference writes what BenchmarkGoRedisPipelineReference
// writes, with no client library at all: each goroutine builds its 256 SETs
// as RESP in one buffer, writes it to its own connection and reads the 256
// "+OK" lines. It is the floor of any Go client's cost, so that the gap
// between BenchmarkPutBatch/plain and redis-benchmark can be told apart
// into what a client could save and what the server and the kernel spend.
func BenchmarkRawRESPReference(b *testing.B) {
	srv := benchServer(b)
	names := make([][]byte, benchKeys)
	for i := range names {
		names[i] = append([]byte("bench-resp:"), benchKeyNames[i]...)
	}
	var mu sync.Mutex
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	type client struct {
		conn net.Conn
		r    *bufio.Reader
		buf  []byte
	}
	var pool sync.Pool
	parallel(b, 1, benchBatch, func(i int) error {
		c, _ := pool.Get().(*client)
		if c == nil {
			conn, err := net.Dial("tcp", srv.Addr)
			if err != nil {
				return err
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			c = &client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
		}
		defer pool.Put(c)
		buf := c.buf[:0]
		for j := range benchBatch {
			name := names[(i+j)%benchKeys]
			buf = append(buf, "*3\r\n$3\r\nSET\r\n$"...)
			buf = strconv.AppendInt(buf, int64(len(name)), 10)
			buf = append(buf, "\r\n"...)
			buf = append(buf, name...)
			buf = append(buf, "\r\n$"...)
			buf = strconv.AppendInt(buf, int64(len(benchValue)), 10)
			buf = append(buf, "\r\n"...)
			buf = append(buf, benchValue...)
			buf = append(buf, "\r\n"...)
		}
		c.buf = buf
		if _, err := c.conn.Write(buf); err != nil {
			return err
		}
		for range benchBatch {
			line, err := c.r.ReadSlice('\n')
			if err != nil {
				return err
			}
			if string(line) != "+OK\r\n" {
				return fmt.Errorf("reply %q, want +OK", line)
			}
		}
		return nil
	})
}

// BenchmarkRedisBenchmarkReference runs redis-benchmark against the same
// server as the other benchmarks (SET, 1 KiB values, 50 clients, pipelines
// of 16) and reports its requests/s, with no client library in the way.
// "one-key" is the plain command, which sets one key over and over; a
// server overwriting one hot key is faster than one spreading writes over
// many, so "keys=16384" adds -r 16384: random keys from the key space the
// PutBatch benchmarks cycle through.
func BenchmarkRedisBenchmarkReference(b *testing.B) {
	srv := benchServer(b)
	bin, err := exec.LookPath("redis-benchmark")
	if err != nil {
		b.Fatalf("redis-benchmark not found on PATH: %s", redistest.InstallHint)
	}
	for _, v := range []struct {
		name  string
		extra []string
	}{
		{"one-key", nil},
		{fmt.Sprintf("keys=%d", benchKeys), []string{"-r", strconv.Itoa(benchKeys)}},
	} {
		b.Run(v.name, func(b *testing.B) {
			args := append([]string{"-p", strconv.Itoa(srv.Port), "-P", "16", "-t", "set", "-d", "1024", "-n", "200000", "-q"}, v.extra...)
			var total float64
			runs := 0
			for b.Loop() {
				out, err := exec.Command(bin, args...).CombinedOutput()
				if err != nil {
					b.Fatalf("redis-benchmark: %v\n%s", err, out)
				}
				rps, err := parseRequestsPerSecond(out)
				if err != nil {
					b.Fatal(err)
				}
				total += rps
				runs++
			}
			b.ReportMetric(total/float64(runs), "requests/s")
		})
	}
}

// parseRequestsPerSecond reads the SET line of redis-benchmark -q output,
// "SET: 123456.79 requests per second, p50=...".
func parseRequestsPerSecond(out []byte) (float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(bytes.ReplaceAll(out, []byte("\r"), []byte("\n"))))
	var last float64
	found := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "SET:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 3 || f[1] != "requests" {
			continue // a progress line
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("redis-benchmark output %q: %w", line, err)
		}
		last, found = v, true
	}
	if !found {
		return 0, fmt.Errorf("no requests-per-second line in redis-benchmark output:\n%s", out)
	}
	return last, nil
}
