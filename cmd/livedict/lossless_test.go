package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/store"
)

// rich holds what a JSON rendering cannot carry exactly: a time with
// nanoseconds and a zone, bytes, a map, integers past 2^53 and 2^63.
type rich struct {
	At    time.Time
	Blob  []byte
	Tags  map[string]int64
	Big   uint64
	Small int64
	Ratio float64
}

func richValue(i int) rich {
	return rich{
		At:    time.Date(2031, 5, 6, 7, 8, 9, 123456789+i, time.FixedZone("X", 3600)),
		Blob:  []byte{0, 0xff, byte(i), '"', '\n'},
		Tags:  map[string]int64{"a": 1, "b": math.MinInt64 + int64(i)},
		Big:   math.MaxUint64 - uint64(i),
		Small: 1<<53 + 1 + int64(i),
		Ratio: 0.1 * float64(i),
	}
}

// typedStore opens ts as a program with rich values would.
func typedStore(t *testing.T, ts testStore) *livedict.Store[string, rich] {
	t.Helper()
	c, err := config.LoadFile(ts.config)
	if err != nil {
		t.Fatal(err)
	}
	o, err := config.Options[string, rich](context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := livedict.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// setCodec rewrites ts's configuration with another codec.
func setCodec(t *testing.T, ts testStore, codec string) {
	t.Helper()
	c, err := config.LoadFile(ts.config)
	if err != nil {
		t.Fatal(err)
	}
	c.Persist.Codec = codec
	if err := saveConfig(ts.config, c, true); err != nil {
		t.Fatal(err)
	}
}

// TestExportImportLossless: for every codec, values a program wrote come
// back identical (go-cmp) after export and import into another store; an
// edited value or a line of another codec is refused, never changed.
func TestExportImportLossless(t *testing.T) {
	for _, codec := range []string{config.CodecMsgpack, config.CodecJSON, config.CodecGob} {
		t.Run(codec, func(t *testing.T) {
			src := newStore(t)
			setCodec(t, src, codec)
			s := typedStore(t, src)
			want := map[string]rich{}
			for i := range 5 {
				k := "k" + string(rune('0'+i))
				want[k] = richValue(i)
				if err := s.Set(k, want[k], livedict.NoExpiry); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			dump := ok(t, src.with("export")...)

			dst := src.sameKeysStore(t)
			file := filepath.Join(t.TempDir(), "dump.jsonl")
			if err := os.WriteFile(file, []byte(dump), 0o600); err != nil {
				t.Fatal(err)
			}
			ok(t, dst.with("import", "-i", file)...)
			d := typedStore(t, dst)
			if n, err := d.WarmAll(context.Background()); err != nil || n != len(want) {
				t.Fatalf("Warm after import = %d, %v; want %d, nil", n, err, len(want))
			}
			for k, w := range want {
				got, found := d.Get(k)
				if !found {
					t.Fatalf("%s missing after import", k)
				}
				if diff := cmp.Diff(w, got); diff != "" {
					t.Errorf("%s changed by export and import (-want +got):\n%s", k, diff)
				}
			}

			// A line of another codec is refused.
			other := config.CodecJSON
			if codec == config.CodecJSON {
				other = config.CodecMsgpack
			}
			foreign := src.sameKeysStore(t)
			setCodec(t, foreign, other)
			cli(t, dump, foreign.with("import")...).wantError(t, exitRuntime, "import", "raw: written by the "+codec+" codec")
			if codec == config.CodecGob {
				return
			}
			// An edited value is refused, not dropped in favour of raw.
			first := lines(dump)[0]
			edited := strings.Replace(first, `"Small":`, `"Small":1,"Was":`, 1)
			if edited == first {
				t.Fatalf("the value was not rendered as expected: %s", first)
			}
			cli(t, edited, dst.with("import")...).wantError(t, exitRuntime, "import", "value does not match raw")
		})
	}
}

// TestSkipAndReport: keys and export name a damaged record by its storage
// name on stderr, go on with the good ones and exit 5; del --storage-name
// removes it, and afterwards both exit 0.
func TestSkipAndReport(t *testing.T) {
	ts := newStore(t)
	for _, k := range []string{"a", "b", "c"} {
		ok(t, ts.with("set", k, "v-"+k)...)
	}
	ctx := context.Background()
	recs := ts.rawScan(t, "")
	damaged := string(recs[0].Key)
	st := mustOpenRaw(t, ts)
	r := recs[0]
	r.Value = append([]byte(nil), r.Value...)
	r.Value[len(r.Value)-1] ^= 1
	if err := st.Put(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	res := cli(t, "", ts.with("keys")...)
	if res.code != exitSkipped || len(lines(res.stdout)) != 2 {
		t.Fatalf("keys over a damaged record: %+v; want exit %d and the two good keys", res, exitSkipped)
	}
	if !strings.Contains(res.stderr, damaged) || strings.Contains(res.stderr, "v-") {
		t.Errorf("keys' stderr %q does not name %s, or shows a value", res.stderr, damaged)
	}
	res = cli(t, "", ts.with("export")...)
	if res.code != exitSkipped || len(lines(res.stdout)) != 2 || !strings.Contains(res.stderr, damaged) {
		t.Fatalf("export over a damaged record: %+v", res)
	}
	if out := ok(t, ts.with("del", "--storage-name", damaged)...); out != "deleted\n" {
		t.Fatalf("del --storage-name printed %q", out)
	}
	if out := ok(t, ts.with("del", "--storage-name", damaged)...); out != "not found\n" {
		t.Fatalf("a second del --storage-name printed %q", out)
	}
	if out := ok(t, ts.with("keys")...); out != "b\nc\n" && out != "a\nc\n" && out != "a\nb\n" {
		t.Fatalf("keys after the delete = %q", out)
	}
	cli(t, "", ts.with("del", "--storage-name", damaged, "a")...).wantError(t, exitUsage, "del", "--storage-name takes no KEY")
}

func mustOpenRaw(t *testing.T, ts testStore) store.Stage {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite://"+ts.db)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
