package backendtest

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
)

// Crash is the crash test of a durable backend. Parent runs the test
// binary again as a child whose Child writes sealed records in batches and,
// after each batch returns, prints "acked <last index> <sha256 of the
// batch's stored values>". The parent kills the child with SIGKILL after a
// random number of acknowledged batches, reopens the store and checks every
// acknowledged record of every round so far: present to Get and to Scan,
// the same bytes from both, the batch's digest unchanged, and opening with
// the keyring to the plaintext and expiry written, which [store.Record.ExpireAt]
// must match too. Any record Scan yields past the last acknowledgement must
// open as well. All rounds share one store, so each also recovers from the
// kills before it. SIGKILL tests a crash of the process; a power loss would
// also need the syncs, which the backend's default options make.
//
// Then come store rounds on the same storage: the child writes through a
// write-behind, encrypted livedict Store and acknowledges a batch only once
// Store.Flush has returned; the parent Loads every acknowledged record
// through a new Store over the reopened backend, and checks the expiry
// persisted for each against the deadline the child's Store reported for
// it (crash_store.go).
//
// The random draws (kill points and key) come from one seed, printed when
// the test fails; set the environment variable Env+"_SEED" to replay it.
type Crash struct {
	// Env prefixes the environment variables of the child and of the
	// replay seed, such as "LIVEDICT_FS_CRASH".
	Env string
	// Name is the file or directory, under the test's temporary directory,
	// that Open is given.
	Name string
	// Open opens the backend as the child writes to it.
	Open func(path string) (store.Stage, error)
	// Reopen opens the backend for the parent's checks; nil means Open.
	Reopen func(path string) (store.Stage, error)
	// Batch is the number of records per acknowledged batch.
	Batch int
	// MaxAcks is the most batches the parent waits for before the kill; it
	// draws between 1 and MaxAcks each round.
	MaxAcks int
	// SinglePuts makes the child write odd batches with a Put per record;
	// otherwise, and always when the Stage is no [store.BatchPutter], every
	// batch goes in one PutBatch.
	SinglePuts bool
	// AfterRound, when set, runs after each round's checks with the store
	// closed, for checks of the backend's own layout.
	AfterRound func(t *testing.T, round int, path string)
}

const (
	crashRounds = 20
	crashBucket = "crash"
	crashStore  = "crash-test"
	childTest   = "TestCrashChild"
)

func (c Crash) env(name string) string { return c.Env + "_" + name }

// crashKey is record i of round's key.
func crashKey(round, i int) []byte { return fmt.Appendf(nil, "r%02d/%07d", round, i) }

// crashPlaintext is record i of round's value before sealing. Sizes vary
// from 100 bytes to some KiB, so that files span one or several blocks, and
// one record in 50 is 70 KiB, beyond Badger's value-log threshold.
func crashPlaintext(round, i int) []byte {
	n := 100 + i*37%6000
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
	kr, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func crashBinding(key []byte) crypto.Binding {
	return crypto.Binding{Store: crashStore, Bucket: crashBucket, Key: key}
}

// Parent is the crash test; call it from TestCrash. The package must also
// have a TestCrashChild that calls Child.
func (c Crash) Parent(t *testing.T) {
	if os.Getenv(c.env("PATH")) != "" {
		t.Skip("in the crash child")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(c.env("SEED")); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s: %v", c.env("SEED"), err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: replay with %s=%d", seed, c.env("SEED"), seed)
		}
	})
	rng := rand.New(rand.NewPCG(seed, 0))
	// The child gets the key as hex. A crypto.Key never shows its bytes, so
	// the test draws them from the seed, so that a replay uses the same key.
	var raw [32]byte
	for i := range raw {
		raw[i] = byte(rng.Uint32())
	}
	hexKey := hex.EncodeToString(raw[:])
	kr := crashKeyring(t, hexKey)
	path := filepath.Join(t.TempDir(), c.Name)

	// acked[round] is the last index acknowledged in that round, and
	// sums[round][batch] the digest of the batch's stored values.
	acked := make([]int, crashRounds)
	sums := make([][]string, crashRounds)
	total := 0
	for round := range crashRounds {
		kill := 1 + rng.IntN(c.MaxAcks)
		var ch childRun
		acked[round], ch = c.runChild(t, path, hexKey, round, kill)
		sums[round] = ch.sums
		c.check(t, path, kr, acked[:round+1], sums[:round+1])
		if t.Failed() {
			t.Fatalf("round %d (killed after %d acknowledged batches) lost or damaged records", round, kill)
		}
		if c.AfterRound != nil {
			c.AfterRound(t, round, path)
		}
		total += acked[round] + 1
	}
	flushed := c.storeRoundsParent(t, path, rng, hexKey)
	t.Logf("%d rounds, %d acknowledged records, then %d rounds through a Store, %d flushed records: none lost or damaged",
		crashRounds, total, storeRounds, flushed)
}

// childRun is what a child printed before it was killed.
type childRun struct {
	sums      []string          // each acknowledged batch's digest
	deadlines map[int]time.Time // "deadline" lines: record index → deadline
}

// runChild starts a child writing round's records to path, kills it once
// it has acknowledged kill batches, and returns the last acknowledged index
// with what the child printed about the batches.
func (c Crash) runChild(t *testing.T, path, hexKey string, round, kill int, extraEnv ...string) (int, childRun) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+childTest+"$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"),
		c.env("PATH")+"="+path, c.env("KEY")+"="+hexKey, c.env("ROUND")+"="+strconv.Itoa(round))
	cmd.Env = append(cmd.Env, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last, run := -1, childRun{deadlines: map[int]time.Time{}}
	var other []string
	sc := bufio.NewScanner(stdout)
	for len(run.sums) < kill && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "deadline" {
			i, err1 := strconv.Atoi(f[1])
			ns, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("round %d: child printed %q", round, sc.Text())
			}
			run.deadlines[i] = time.Unix(0, ns)
			continue
		}
		if len(f) != 3 || f[0] != "acked" {
			other = append(other, sc.Text()) // the testing package's own lines
			continue
		}
		if last, err = strconv.Atoi(f[1]); err != nil {
			t.Fatalf("round %d: child printed %q: %v", round, sc.Text(), err)
		}
		run.sums = append(run.sums, f[2])
	}
	// The child is now in the middle of its next batch.
	_ = cmd.Process.Kill() // SIGKILL on Unix: no deferred code, no Close
	_ = cmd.Wait()
	if len(run.sums) < kill {
		t.Fatalf("round %d: the child ended after %d of %d batches:\n%s\n%s", round, len(run.sums), kill, strings.Join(other, "\n"), stderr.Bytes())
	}
	return last, run
}
