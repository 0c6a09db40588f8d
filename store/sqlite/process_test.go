package sqlite

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livedict/livedict/store"
)

// TestTwoStoresOneFile opens two Stores on one file in one process, each
// with its own connections, and checks that each sees the other's writes,
// also while both write at once.
func TestTwoStoresOneFile(t *testing.T) {
	path := tempPath(t)
	a := mustOpen(t, path, nil)
	b := mustOpen(t, path, nil)
	ctx := t.Context()

	if err := a.Put(ctx, store.Record{Bucket: "x", Key: []byte("from a"), Value: []byte("1")}); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Get(ctx, "x", []byte("from a")); err != nil || string(r.Value) != "1" {
		t.Errorf("b.Get of a's write = %q, %v", r.Value, err)
	}
	if err := b.Delete(ctx, "x", []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "x", []byte("from a")); err == nil {
		t.Errorf("a.Get after b.Delete found the record")
	}

	const perStore = 300
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for name, s := range map[string]*Store{"a": a, "b": b} {
		wg.Go(func() {
			batch := make([]store.Record, 0, 50)
			for i := range perStore {
				r := store.Record{Bucket: "x", Key: fmt.Appendf(nil, "%s-%d", name, i), Value: []byte(name)}
				if i%2 == 0 {
					batch = append(batch, r)
					if len(batch) == cap(batch) {
						if err := s.PutBatch(ctx, batch); err != nil {
							errs <- err
							return
						}
						batch = batch[:0]
					}
				} else if err := s.Put(ctx, r); err != nil {
					errs <- err
					return
				}
			}
			if err := s.PutBatch(ctx, batch); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	for name, s := range map[string]*Store{"a": a, "b": b} {
		if n := len(scanAll(t, s, "x")); n != 2*perStore {
			t.Errorf("Scan through %s after both wrote = %d records, want %d", name, n, 2*perStore)
		}
	}
}

// Environment of the child process of the two-process tests.
const (
	envPeerMode   = "LIVEDICT_SQLITE_PEER_MODE" // "write" or "read"
	envPeerPath   = "LIVEDICT_SQLITE_PEER_PATH"
	envPeerPrefix = "LIVEDICT_SQLITE_PEER_PREFIX"
	envPeerN      = "LIVEDICT_SQLITE_PEER_N"
)

// peerValue is the value the two-process tests store under key i.
func peerValue(prefix string, i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "%s:%d;", prefix, i), 20)
}

func peerKey(prefix string, i int) []byte { return fmt.Appendf(nil, "%s-%05d", prefix, i) }

// TestPeerChild is the child side of the two-process tests; it does nothing
// unless run by them. In write mode it writes N records under a prefix and
// prints "wrote N"; in read mode it checks N records and prints "read N
// ok" or what it found wrong.
func TestPeerChild(t *testing.T) {
	mode := os.Getenv(envPeerMode)
	if mode == "" {
		t.Skip("run by TestTwoProcesses")
	}
	path, prefix := os.Getenv(envPeerPath), os.Getenv(envPeerPrefix)
	n, err := strconv.Atoi(os.Getenv(envPeerN))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	switch mode {
	case "write":
		for i := range n {
			r := store.Record{Bucket: "peer", Key: peerKey(prefix, i), Value: peerValue(prefix, i)}
			if i%2 == 0 {
				err = s.Put(ctx, r)
			} else {
				err = s.PutBatch(ctx, []store.Record{r})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		fmt.Printf("wrote %d\n", n)
	case "read":
		bad := 0
		for i := range n {
			r, err := s.Get(ctx, "peer", peerKey(prefix, i))
			if err != nil || !bytes.Equal(r.Value, peerValue(prefix, i)) {
				bad++
			}
		}
		fmt.Printf("read %d bad %d\n", n, bad)
	}
}

// childEnv is the environment of a child test process: this one's, with
// the race detector's one-second pause at exit turned off.
func childEnv() []string {
	return append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
}

// runPeers starts one child per prefix, all at once, and returns their
// output.
func runPeers(t *testing.T, mode, path string, n int, prefixes ...string) []string {
	t.Helper()
	outs := make([]string, len(prefixes))
	var wg sync.WaitGroup
	for i, prefix := range prefixes {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPeerChild$", "-test.count=1")
			cmd.Env = append(childEnv(), envPeerMode+"="+mode, envPeerPath+"="+path, envPeerPrefix+"="+prefix, envPeerN+"="+strconv.Itoa(n))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("child %s %s: %v\n%s", mode, prefix, err, out)
			}
			outs[i] = string(out)
		})
	}
	wg.Wait()
	return outs
}

// lineWith returns the first line of out that starts with prefix.
func lineWith(out, prefix string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text()
		}
	}
	return ""
}

// TestTwoProcesses shares one file between this process and children that
// re-execute the test binary: children write while this process holds the
// file open and then reads their records; this process writes and a child
// reads; and two children create one new file at once.
func TestTwoProcesses(t *testing.T) {
	const n = 200
	ctx := t.Context()

	t.Run("ChildWritesParentReads", func(t *testing.T) {
		path := tempPath(t)
		s := mustOpen(t, path, nil)
		out := runPeers(t, "write", path, n, "child")[0]
		if got := lineWith(out, "wrote"); got != fmt.Sprintf("wrote %d", n) {
			t.Fatalf("child reported %q, want %q", got, fmt.Sprintf("wrote %d", n))
		}
		for i := range n {
			r, err := s.Get(ctx, "peer", peerKey("child", i))
			if err != nil || !bytes.Equal(r.Value, peerValue("child", i)) {
				t.Fatalf("Get of the child's record %d = %.20q, %v", i, r.Value, err)
			}
		}
		if got := len(scanAll(t, s, "peer")); got != n {
			t.Errorf("Scan of the child's records = %d, want %d", got, n)
		}
	})

	t.Run("ParentWritesChildReads", func(t *testing.T) {
		path := tempPath(t)
		s := mustOpen(t, path, nil)
		rs := make([]store.Record, n)
		for i := range rs {
			rs[i] = store.Record{Bucket: "peer", Key: peerKey("parent", i), Value: peerValue("parent", i)}
		}
		if err := s.PutBatch(ctx, rs); err != nil {
			t.Fatal(err)
		}
		// The parent keeps the file open: the child reads beside it.
		out := runPeers(t, "read", path, n, "parent")[0]
		if got, want := lineWith(out, "read"), fmt.Sprintf("read %d bad 0", n); got != want {
			t.Errorf("child reported %q, want %q", got, want)
		}
	})

	t.Run("ChildrenCreateOneFile", func(t *testing.T) {
		path := tempPath(t)
		outs := runPeers(t, "write", path, n, "c1", "c2", "c3")
		for i, out := range outs {
			if got := lineWith(out, "wrote"); got != fmt.Sprintf("wrote %d", n) {
				t.Errorf("child %d reported %q", i, got)
			}
		}
		s := mustOpen(t, path, nil)
		if got := len(scanAll(t, s, "peer")); got != 3*n {
			t.Errorf("records written by three children = %d, want %d", got, 3*n)
		}
	})
}
