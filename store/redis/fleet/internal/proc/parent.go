package proc

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Child is a child process serving Main, seen from the parent test.
type Child struct {
	Name string

	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *strings.Builder
	mu     sync.Mutex // one request at a time
}

// Start re-executes the test binary as a child named name and stops it when
// tb ends.
func Start(tb testing.TB, name string) *Child {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatalf("proc: %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^"+ChildTest+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), EnvChild+"=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatalf("proc: %v", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("proc: %v", err)
	}
	c := &Child{Name: name, cmd: cmd, in: in, stderr: &strings.Builder{}}
	cmd.Stderr = &lockedWriter{w: c.stderr}
	c.out = bufio.NewScanner(out)
	c.out.Buffer(make([]byte, 64<<10), 256<<20)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("proc: start %s: %v", name, err)
	}
	tb.Cleanup(func() {
		_ = in.Close() // Main returns at the end of its input
		if err := cmd.Wait(); err != nil {
			tb.Errorf("proc: child %s: %v\n%s", name, err, c.Stderr())
		}
	})
	return c
}

// Stderr returns what the child wrote to its standard error so far.
func (c *Child) Stderr() string {
	w := c.cmd.Stderr.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return c.stderr.String()
}

// Call sends req and waits for the reply. A child that dies gives an error.
func (c *Child) Call(req Request) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := json.Marshal(req)
	if err != nil {
		return Reply{}, err
	}
	if _, err := c.in.Write(append(b, '\n')); err != nil {
		return Reply{}, fmt.Errorf("proc: send to %s: %w", c.Name, err)
	}
	if !c.out.Scan() {
		err := c.out.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return Reply{}, fmt.Errorf("proc: reply of %s: %w\n%s", c.Name, err, c.Stderr())
	}
	var rep Reply
	if err := json.Unmarshal(c.out.Bytes(), &rep); err != nil {
		return Reply{}, fmt.Errorf("proc: reply of %s: %w", c.Name, err)
	}
	return rep, nil
}

// Must is Call that fails tb on any error, the child's included.
func (c *Child) Must(tb testing.TB, req Request) Reply {
	tb.Helper()
	rep, err := c.Call(req)
	if err == nil && rep.Err != "" {
		err = errors.New(rep.Err)
	}
	if err != nil {
		tb.Fatalf("%s %s(%s): %v", c.Name, req.Op, req.Key, err)
	}
	return rep
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
