package postgres

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/livedict/livedict/store"
)

// Environment of the child process of the two-process tests.
const (
	envPeerMode   = "LIVEDICT_POSTGRES_PEER_MODE" // "write" or "read"
	envPeerSchema = "LIVEDICT_POSTGRES_PEER_SCHEMA"
	envPeerPrefix = "LIVEDICT_POSTGRES_PEER_PREFIX"
	envPeerN      = "LIVEDICT_POSTGRES_PEER_N"
)

// peerValue is the value the two-process tests store under key i.
func peerValue(prefix string, i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "%s:%d;", prefix, i), 20)
}

func peerKey(prefix string, i int) []byte { return fmt.Appendf(nil, "%s-%05d", prefix, i) }

// TestPeerChild is the child side of the two-process tests; it does nothing
// unless run by them. In write mode it writes N records under a prefix,
// half with Put and half with PutBatch, and prints "wrote N"; in read mode
// it checks N records and prints "read N bad B".
func TestPeerChild(t *testing.T) {
	mode := os.Getenv(envPeerMode)
	if mode == "" {
		t.Skip("run by TestTwoProcesses")
	}
	prefix := os.Getenv(envPeerPrefix)
	n, err := strconv.Atoi(os.Getenv(envPeerN))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), testDSN(), &Options{Schema: os.Getenv(envPeerSchema)})
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

// runPeers starts one child per prefix, all at once, and returns their
// output.
func runPeers(t *testing.T, mode, schema string, n int, prefixes ...string) []string {
	t.Helper()
	outs := make([]string, len(prefixes))
	var wg sync.WaitGroup
	for i, prefix := range prefixes {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestPeerChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"),
				envPeerMode+"="+mode, envPeerSchema+"="+schema, envPeerPrefix+"="+prefix, envPeerN+"="+strconv.Itoa(n))
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

// TestTwoProcesses shares one table between this process and children
// that re-execute the test binary, each with connections of its own: a
// child writes while this process holds the table open and then reads
// the child's records; this process writes and a child reads; and three
// children create one new table at once and write to it together.
func TestTwoProcesses(t *testing.T) {
	const n = 200
	ctx := t.Context()

	t.Run("ChildWritesParentReads", func(t *testing.T) {
		schema := newSchema(t)
		s := mustOpen(t, testDSN(), &Options{Schema: schema})
		out := runPeers(t, "write", schema, n, "child")[0]
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
		schema := newSchema(t)
		s := mustOpen(t, testDSN(), &Options{Schema: schema})
		rs := make([]store.Record, n)
		for i := range rs {
			rs[i] = store.Record{Bucket: "peer", Key: peerKey("parent", i), Value: peerValue("parent", i)}
		}
		if err := s.PutBatch(ctx, rs); err != nil {
			t.Fatal(err)
		}
		out := runPeers(t, "read", schema, n, "parent")[0]
		if got, want := lineWith(out, "read"), fmt.Sprintf("read %d bad 0", n); got != want {
			t.Errorf("child reported %q, want %q", got, want)
		}
	})

	t.Run("ChildrenCreateOneTable", func(t *testing.T) {
		schema := newSchema(t)
		outs := runPeers(t, "write", schema, n, "c1", "c2", "c3")
		for i, out := range outs {
			if got := lineWith(out, "wrote"); got != fmt.Sprintf("wrote %d", n) {
				t.Errorf("child %d reported %q", i, got)
			}
		}
		s := mustOpen(t, testDSN(), &Options{Schema: schema})
		if got := len(scanAll(t, s, "peer")); got != 3*n {
			t.Errorf("records written by three children = %d, want %d", got, 3*n)
		}
	})
}
