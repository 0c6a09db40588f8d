package sqlite

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

// Environment of the crash test's child.
const (
	envCrashPath  = "LIVEDICT_SQLITE_CRASH_PATH" // set: TestCrashChild writes
	envCrashKey   = "LIVEDICT_SQLITE_CRASH_KEY"  // hex of the sealing key
	envCrashRound = "LIVEDICT_SQLITE_CRASH_ROUND"
	envCrashSeed  = "LIVEDICT_SQLITE_CRASH_SEED" // set by hand to replay a failure
)

const (
	crashBatch      = 32   // records per batch
	crashMaxBatches = 4000 // the child stops by itself if never killed
	crashRounds     = 20
	crashBucket     = "crash"
	crashStoreName  = "sqlite-crash-test"
)

func crashKey(round, i int) []byte { return fmt.Appendf(nil, "r%02d-%06d", round, i) }

// crashPlaintext is the value record i of a round holds before sealing:
// about 1 KiB, different for each record.
func crashPlaintext(round, i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "round %d record %d|", round, i), 1024/24)
}

func crashKeyring(t testing.TB, hexKey string) *crypto.Keyring {
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

// TestCrashChild is the writer the crash test kills; it does nothing unless
// run by TestCrash. It writes sealed records in batches of crashBatch, even
// batches with PutBatch and odd ones with a Put per record, and after each
// batch returns prints "acked <last index> <sha256 of the batch's stored
// values>".
func TestCrashChild(t *testing.T) {
	path := os.Getenv(envCrashPath)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	kr := crashKeyring(t, os.Getenv(envCrashKey))
	round, err := strconv.Atoi(os.Getenv(envCrashRound))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for b := range crashMaxBatches {
		rs := make([]store.Record, crashBatch)
		sum := sha256.New()
		for j := range rs {
			i := b*crashBatch + j
			key := crashKey(round, i)
			v, err := kr.Seal(nil, crashPlaintext(round, i), crypto.Binding{Store: crashStoreName, Bucket: crashBucket, Key: key}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			rs[j] = store.Record{Bucket: crashBucket, Key: key, Value: v}
			sum.Write(v)
		}
		if b%2 == 0 {
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
		// os.Stdout is unbuffered: the line is out when Printf returns.
		fmt.Printf("acked %d %x\n", (b+1)*crashBatch-1, sum.Sum(nil))
	}
	_ = s.Close()
}

// TestCrash kills a writing child with SIGKILL after a random number of
// acknowledged batches, 20 times over one file, and checks after each kill
// that every acknowledged record of every round is there, byte for byte,
// and opens with the keyring.
func TestCrash(t *testing.T) {
	if os.Getenv(envCrashPath) != "" {
		t.Skip("in the crash child")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envCrashSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with %s=%d", envCrashSeed, seed)
		}
	})
	rng := rand.New(rand.NewPCG(seed, 0))
	// The child gets the key as hex. A crypto.Key never shows its bytes,
	// so the test draws them itself: a key for test data only.
	var keyBytes [32]byte
	for i := range keyBytes {
		keyBytes[i] = byte(rng.Uint32())
	}
	hexKey := hex.EncodeToString(keyBytes[:])
	kr := crashKeyring(t, hexKey)
	path := tempPath(t)

	// acked[round] is the last index acknowledged in that round, and
	// sums[round][batch] the digest of the batch's stored values.
	acked := make([]int, crashRounds)
	sums := make([][]string, crashRounds)
	for round := range crashRounds {
		want := 1 + rng.IntN(8)
		acked[round], sums[round] = runCrashChild(t, path, hexKey, round, want)
		checkCrashRecords(t, path, kr, acked[:round+1], sums[:round+1])
		if t.Failed() {
			t.Fatalf("round %d (killed after %d acknowledged batches) lost or damaged records", round, want)
		}
	}
}

// runCrashChild starts a child writing round's records to path, kills it
// once it has acknowledged want batches, and returns the last acknowledged
// index with the batches' digests.
func runCrashChild(t *testing.T, path, hexKey string, round, want int) (int, []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(childEnv(), envCrashPath+"="+path, envCrashKey+"="+hexKey, envCrashRound+"="+strconv.Itoa(round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, sums := -1, []string(nil)
	sc := bufio.NewScanner(stdout)
	for len(sums) < want && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "acked" {
			continue // the testing package's own lines
		}
		if last, err = strconv.Atoi(f[1]); err != nil {
			t.Fatalf("child line %q: %v", sc.Text(), err)
		}
		sums = append(sums, f[2])
	}
	_ = cmd.Process.Kill() // SIGKILL on Unix: no deferred code, no Close
	_ = cmd.Wait()
	if len(sums) < want {
		t.Fatalf("round %d: the child ended after %d of %d batches: %s", round, len(sums), want, stderr.Bytes())
	}
	return last, sums
}

// checkCrashRecords reopens path and checks every acknowledged record of
// every round so far, reading them with one Scan.
func checkCrashRecords(t *testing.T, path string, kr *crypto.Keyring, acked []int, sums [][]string) {
	t.Helper()
	s, err := Open(path, &Options{SweepInterval: -1})
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer s.Close()
	stored := scanAll(t, s, crashBucket)
	lost, undecryptable, damaged := 0, 0, 0
	for round, last := range acked {
		for b, want := range sums[round] {
			sum := sha256.New()
			for j := range crashBatch {
				i := b*crashBatch + j
				if i > last {
					break
				}
				key := crashKey(round, i)
				r, ok := stored[string(key)]
				if !ok {
					lost++
					continue
				}
				sum.Write(r.Value)
				pt, _, _, err := kr.Open(nil, r.Value, crypto.Binding{Store: crashStoreName, Bucket: crashBucket, Key: key})
				if err != nil || !bytes.Equal(pt, crashPlaintext(round, i)) {
					undecryptable++
				}
			}
			if got := hex.EncodeToString(sum.Sum(nil)); got != want {
				damaged++
			}
		}
	}
	if lost+undecryptable+damaged > 0 {
		t.Errorf("after the kill: %d acknowledged records lost, %d do not open to their plaintext, %d batches not byte-identical", lost, undecryptable, damaged)
	}
}
