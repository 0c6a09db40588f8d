package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/store"
)

var benchCommand = &command{
	name:    "bench",
	args:    "[flags]",
	summary: "measure throughput on this machine: memory, and the configured backend",
	help: `Measures, on one goroutine, the throughput of an in-memory store (Set, then
Get, of --n keys with 64-byte values) and, when a configuration with a
persist section can be read, of the configured pipeline (compression,
encryption, backend): Put, Get and Delete of --backend-n records in a
temporary bucket named livedict-bench-<random>, whose records are deleted
afterwards. Results are indicative: run it a few times, on a quiet machine.

Example:
  livedict bench --n 1000000 --backend-n 20000`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		n := fs.Int("n", 100000, "keys of the memory run")
		bn := fs.Int("backend-n", 10000, "records of the backend run (0 skips it)")
		return func(ctx context.Context, args []string) (err error) {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			if *n < 1 || *bn < 0 {
				return usageErr("--n must be >= 1 and --backend-n >= 0")
			}
			var rows []benchRow
			mem, err := benchMemory(ctx, *n)
			if err != nil {
				return err
			}
			rows = append(rows, mem...)
			if *bn > 0 {
				c, cerr := e.loadConfig()
				switch {
				case cerr != nil:
					fmt.Fprintf(e.stderr, "bench: backend run skipped: %s\n", oneLine(cerr.Error()))
				case c.Persist == nil:
					fmt.Fprintln(e.stderr, "bench: backend run skipped: the configuration has no persist section")
				default:
					s, err := e.open(ctx, openOptions{})
					if err != nil {
						return err
					}
					defer s.closeInto(&err)
					br, bucket, err := s.benchBackend(ctx, *bn)
					if err != nil {
						return err
					}
					rows = append(rows, br...)
					fmt.Fprintf(e.stderr, "bench: the backend run used bucket %q, emptied since\n", bucket)
				}
			}
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "OPERATION\tOPS\tTOTAL\tNS/OP\tOPS/S")
			for _, r := range rows {
				ns := float64(r.d.Nanoseconds()) / float64(r.ops)
				fmt.Fprintf(w, "%s\t%d\t%v\t%.0f\t%s\n", r.name, r.ops, r.d.Round(time.Microsecond), ns, humanRate(float64(r.ops)/r.d.Seconds()))
			}
			return w.Flush()
		}
	},
}

type benchRow struct {
	name string
	ops  int
	d    time.Duration
}

func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return strconv.FormatFloat(r/1e6, 'f', 2, 64) + "M"
	case r >= 1e3:
		return strconv.FormatFloat(r/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatFloat(r, 'f', 0, 64)
}

// benchMemory times Set and Get of n keys in a memory-only store.
func benchMemory(ctx context.Context, n int) (rows []benchRow, err error) {
	s, err := livedict.New[string, []byte](nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "bench:" + strconv.Itoa(i)
	}
	value := make([]byte, 64)
	start := time.Now()
	for i, k := range keys {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := s.Set(k, value, livedict.NoExpiry); err != nil {
			return nil, err
		}
	}
	rows = append(rows, benchRow{"memory set", n, time.Since(start)})
	start = time.Now()
	for _, k := range keys {
		if _, ok := s.Get(k); !ok {
			return nil, fmt.Errorf("memory get: key %q missing", k)
		}
	}
	rows = append(rows, benchRow{"memory get", n, time.Since(start)})
	return rows, nil
}

// benchBackend times Put, Get and Delete of n records through the
// pipeline, in a bucket of its own, which it empties whatever happens.
func (s *session) benchBackend(ctx context.Context, n int) (rows []benchRow, bucket string, err error) {
	var tag [4]byte
	if _, err := rand.Read(tag[:]); err != nil {
		return nil, "", err
	}
	bucket = "livedict-bench-" + hex.EncodeToString(tag[:])
	keys := make([][]byte, n)
	for i := range keys {
		k := "bench:" + strconv.Itoa(i)
		if _, isInt := s.keys.(intKeys); isInt {
			k = strconv.Itoa(i)
		}
		if keys[i], err = s.keys.EncodeKey(nil, k); err != nil {
			return nil, bucket, err
		}
	}
	value, err := s.values.Encode(nil, string(make([]byte, 64)))
	if err != nil {
		return nil, bucket, err
	}
	put := 0
	defer func() {
		if put == 0 {
			return
		}
		// Clean up even after an interrupt, within bounds.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		for _, k := range keys[:put] {
			if derr := s.pipe.Delete(cctx, bucket, k); derr != nil && err == nil {
				err = fmt.Errorf("cleaning up bucket %s: %w", bucket, derr)
				return
			}
		}
	}()
	start := time.Now()
	for _, k := range keys {
		if err := s.pipe.Put(ctx, store.Record{Bucket: bucket, Key: k, Value: value}); err != nil {
			return nil, bucket, err
		}
		put++
	}
	rows = append(rows, benchRow{"backend put", n, time.Since(start)})
	start = time.Now()
	for _, k := range keys {
		if _, err := s.pipe.Get(ctx, bucket, k); err != nil {
			return nil, bucket, err
		}
	}
	rows = append(rows, benchRow{"backend get", n, time.Since(start)})
	start = time.Now()
	for _, k := range keys {
		if err := s.pipe.Delete(ctx, bucket, k); err != nil {
			return nil, bucket, err
		}
	}
	rows = append(rows, benchRow{"backend delete", n, time.Since(start)})
	put = 0
	return rows, bucket, nil
}
