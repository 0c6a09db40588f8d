package fs_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
)

// The crash test runs this test binary again as a writer that the parent
// kills with SIGKILL at a random point, then checks that every record the
// writer had acknowledged survived whole.
const (
	crashDirEnv  = "LIVEDICT_FS_CRASH_DIR"
	crashKeyEnv  = "LIVEDICT_FS_CRASH_KEY"
	crashSeedEnv = "LIVEDICT_FS_CRASH_SEED" // set to replay a failed run

	crashRounds     = 20
	crashMaxBatches = 12 // batches acknowledged before the kill, at most
	crashBatchSize  = 8
	crashStore      = "fs-crash-test"
	crashBucket     = "crash"
)

func crashKey(i int) []byte { return fmt.Appendf(nil, "record/%06d", i) }

// crashPlaintext is record i's value before sealing, of a length that
// varies so that files span one or several blocks.
func crashPlaintext(i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "[%d]", i), 1+i*37%600)
}

func crashKeyring(t *testing.T, hexKey string) *crypto.Keyring {
	t.Helper()
	k, err := crypto.KeyFromHex(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// TestCrashChild is the writer. It does nothing unless the parent set
// crashDirEnv. It writes sealed records batch after batch, odd batches with
// PutBatch and even ones with a Put per record, and after each batch is
// acknowledged prints "ack <index of its last record>".
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrashSafety")
	}
	kr := crashKeyring(t, os.Getenv(crashKeyEnv))
	s, err := fs.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for batch := 0; batch < 10_000; batch++ {
		rs := make([]store.Record, crashBatchSize)
		for j := range rs {
			i := batch*crashBatchSize + j
			key := crashKey(i)
			sealed, err := kr.Seal(nil, crashPlaintext(i), crypto.Binding{Store: crashStore, Bucket: crashBucket, Key: key}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			rs[j] = store.Record{Bucket: crashBucket, Key: key, Value: sealed}
		}
		if batch%2 == 1 {
			err = s.PutBatch(ctx, rs)
		} else {
			for _, r := range rs {
				if err = s.Put(ctx, r); err != nil {
					break
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		// os.Stdout is unbuffered: the line is out when Println returns.
		fmt.Println("ack", (batch+1)*crashBatchSize-1)
	}
	t.Fatal("the parent never killed the writer")
}

func TestCrashSafety(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s: %v", crashSeedEnv, err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with %s=%d", crashSeedEnv, seed)
		}
	})
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var raw [32]byte // from the seed, so that a replay uses the same key
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	hexKey := hex.EncodeToString(raw[:])
	kr := crashKeyring(t, hexKey)

	for round := range crashRounds {
		dir := filepath.Join(t.TempDir(), "store")
		acks := 1 + rng.IntN(crashMaxBatches)
		last := crashRound(t, round, dir, hexKey, acks)

		s, err := fs.Open(dir, nil)
		if err != nil {
			t.Fatalf("round %d: reopening after the crash: %v", round, err)
		}
		for i := 0; i <= last; i++ {
			k := crashKey(i)
			r, err := s.Get(t.Context(), crashBucket, k)
			if err != nil {
				t.Fatalf("round %d: acknowledged record %d is lost: %v", round, i, err)
			}
			pt, _, _, err := kr.Open(nil, r.Value, crypto.Binding{Store: crashStore, Bucket: crashBucket, Key: k})
			if err != nil {
				t.Fatalf("round %d: acknowledged record %d does not open: %v", round, i, err)
			}
			if !bytes.Equal(pt, crashPlaintext(i)) {
				t.Fatalf("round %d: acknowledged record %d has the wrong value", round, i)
			}
		}
		// Records past the last acknowledgement may or may not be there,
		// but any that is must be whole.
		n := 0
		for r, err := range s.Scan(t.Context(), crashBucket) {
			if err != nil {
				t.Fatalf("round %d: Scan after the crash: %v", round, err)
			}
			if _, _, _, err := kr.Open(nil, r.Value, crypto.Binding{Store: crashStore, Bucket: crashBucket, Key: r.Key}); err != nil {
				t.Fatalf("round %d: record %q does not open: %v", round, r.Key, err)
			}
			n++
		}
		if n <= last {
			t.Fatalf("round %d: Scan found %d records, want at least %d", round, n, last+1)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), "t") && !d.IsDir() {
				t.Errorf("round %d: %s survived reopening", round, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// crashRound runs a writer on dir, kills it after acks acknowledged
// batches, and returns the index of the last acknowledged record.
func crashRound(t *testing.T, round int, dir, hexKey string, acks int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashKeyEnv+"="+hexKey)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, seen := -1, 0
	lines := bufio.NewScanner(out)
	for seen < acks && lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			if last, err = strconv.Atoi(v); err != nil {
				t.Fatalf("round %d: writer printed %q", round, lines.Text())
			}
			seen++
		}
	}
	// The writer is now in the middle of its next batch.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if seen < acks {
		t.Fatalf("round %d: the writer stopped after %d of %d batches: %s", round, seen, acks, stderr.Bytes())
	}
	return last
}
