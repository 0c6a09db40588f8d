package badger_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/badger"
)

// The crash test: TestCrashSafety runs this test binary again as a child
// whose TestCrashChild writes sealed records with PutBatch (default options,
// so every batch is synced) and prints "ack N" after each batch returns.
// The parent kills the child with SIGKILL after a random number of acks,
// reopens the directory and checks every acknowledged record. The
// directory is shared by all rounds, so each round also recovers from the
// kills before it. SIGKILL tests a crash of the process; a power loss would
// also need the syncs, which the default options make.
const (
	crashDirEnv   = "LIVEDICT_BADGER_CRASH_DIR"
	crashKeyEnv   = "LIVEDICT_BADGER_CRASH_KEY"
	crashRoundEnv = "LIVEDICT_BADGER_CRASH_ROUND"
	crashSeedEnv  = "LIVEDICT_BADGER_CRASH_SEED" // replays a failed run

	crashRounds     = 20
	crashBatch      = 64
	crashMaxBatches = 12 // acks the parent waits for, at most
	crashStore      = "badger crash test"
	crashBucket     = "crash"
)

func crashKey(round, i int) []byte { return fmt.Appendf(nil, "r%02d-%07d", round, i) }

// crashPlaintext varies sizes so that some values go to Badger's value log
// (64 KiB and more) and most stay in its LSM tree.
func crashPlaintext(round, i int) []byte {
	n := 100 + i%400
	if i%50 == 7 {
		n = 70 << 10
	}
	p := make([]byte, n)
	for j := range p {
		p[j] = byte(round*31 + i*7 + j)
	}
	return p
}

// crashExpiry gives two records in three an expiry, far ahead and with
// milliseconds, so the expiry header is part of what must survive.
func crashExpiry(i int) time.Time {
	if i%3 == 0 {
		return time.Time{}
	}
	return time.UnixMilli(4102444800000 + int64(i%1000)) // 2100-01-01
}

func crashKeyring(t *testing.T, hexKey string) *crypto.Keyring {
	t.Helper()
	k, err := crypto.KeyFromHex(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// TestCrashChild is the writer of TestCrashSafety; it skips unless run by it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrashSafety as a child process")
	}
	ring := crashKeyring(t, os.Getenv(crashKeyEnv))
	round, err := strconv.Atoi(os.Getenv(crashRoundEnv))
	if err != nil {
		t.Fatal(err)
	}
	s, err := badger.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	rs := make([]store.Record, crashBatch)
	// Writes until killed; the bound only stops a child whose parent is gone.
	for b := range 100 * crashMaxBatches {
		for j := range rs {
			i := b*crashBatch + j
			k := crashKey(round, i)
			exp := crashExpiry(i)
			sealed, err := ring.Seal(nil, crashPlaintext(round, i), crypto.Binding{Store: crashStore, Bucket: crashBucket, Key: k}, exp)
			if err != nil {
				t.Fatal(err)
			}
			rs[j] = store.Record{Bucket: crashBucket, Key: k, Value: sealed, ExpireAt: exp}
		}
		if err := s.PutBatch(ctx, rs); err != nil {
			t.Fatal(err)
		}
		// os.Stdout is unbuffered: the line is out when Fprintf returns.
		fmt.Fprintf(os.Stdout, "ack %d\n", (b+1)*crashBatch-1)
	}
	_ = s.Close()
}

func TestCrashSafety(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(crashSeedEnv); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: rerun with %s=%d", seed, crashSeedEnv, seed)
		}
	})
	rng := mrand.New(mrand.NewPCG(seed, 0))
	keyBytes := make([]byte, 32)
	_, _ = rand.Read(keyBytes)
	hexKey := hex.EncodeToString(keyBytes)
	ring := crashKeyring(t, hexKey)
	dir := t.TempDir()

	acked := make([]int, crashRounds) // last acknowledged index of each round
	for round := range crashRounds {
		kill := 1 + rng.IntN(crashMaxBatches)
		acked[round] = runCrashChild(t, dir, hexKey, round, kill)
		s, err := badger.Open(dir, &badger.Options{ValueLogGCInterval: -1})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL = %v", round, err)
		}
		lost, bad := checkCrashRecords(t, s, ring, round, acked[round])
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if lost+bad > 0 {
			t.Fatalf("round %d (killed after %d acks): %d acknowledged records lost, %d undecryptable or wrong", round, kill, lost, bad)
		}
	}
	// Every round's records survived every later crash too.
	s, err := badger.Open(dir, &badger.Options{ValueLogGCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	total := 0
	for round, last := range acked {
		lost, bad := checkCrashRecords(t, s, ring, round, last)
		if lost+bad > 0 {
			t.Errorf("after all rounds, round %d: %d lost, %d undecryptable or wrong", round, lost, bad)
		}
		total += last + 1
	}
	t.Logf("%d rounds, %d acknowledged records checked: 0 lost, 0 undecryptable", crashRounds, total)
}

// runCrashChild runs one writer, kills it after kill acks and returns the
// last acknowledged index.
func runCrashChild(t *testing.T, dir, hexKey string, round, kill int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashKeyEnv+"="+hexKey, crashRoundEnv+"="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, acks := -1, 0
	var lines []string
	sc := bufio.NewScanner(out)
	for acks < kill && sc.Scan() {
		line := sc.Text()
		n, ok := strings.CutPrefix(line, "ack ")
		if !ok {
			lines = append(lines, line)
			continue
		}
		if last, err = strconv.Atoi(n); err != nil {
			t.Fatalf("child printed %q", line)
		}
		acks++
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if acks < kill {
		t.Fatalf("round %d: child stopped after %d acks, before the kill at %d:\n%s\n%s", round, acks, kill, strings.Join(lines, "\n"), stderr.String())
	}
	return last
}

// checkCrashRecords counts the acknowledged records of round that are
// missing, and those that do not open with the keyring to the plaintext
// and expiry written (the AEAD tag fails on any changed byte).
func checkCrashRecords(t *testing.T, s *badger.Store, ring *crypto.Keyring, round, last int) (lost, bad int) {
	t.Helper()
	for i := 0; i <= last; i++ {
		k := crashKey(round, i)
		r, err := s.Get(t.Context(), crashBucket, k)
		if err != nil {
			lost++
			continue
		}
		p, exp, _, err := ring.Open(nil, r.Value, crypto.Binding{Store: crashStore, Bucket: crashBucket, Key: k})
		if err != nil || !bytes.Equal(p, crashPlaintext(round, i)) || !exp.Equal(crashExpiry(i)) || !r.ExpireAt.Equal(crashExpiry(i)) {
			bad++
		}
	}
	return lost, bad
}
