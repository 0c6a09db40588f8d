package redistest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// InstallHint says how to get the Redis binaries; failures quote it.
const InstallHint = "install Redis (Debian/Ubuntu: apt-get install redis-server redis-tools; macOS: brew install redis) so that redis-server, redis-cli and redis-benchmark are on PATH"

// startTimeout bounds how long a server may take to answer its first PING.
const startTimeout = 15 * time.Second

// Server is one redis-server process on a loopback port. Its methods are
// safe for concurrent use.
type Server struct {
	// Addr is the server's host:port, the same across Restart.
	Addr string
	// Port is the port of Addr.
	Port int

	dir  string
	args []string // everything but the port

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
}

// Start starts a standalone server for tb and stops it when tb ends. It
// fails tb, never skips it, when redis-server is missing.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := StartProcess()
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// StartProcess starts a standalone server, for callers without a
// testing.TB (benchmarks shared by a package, examples). The caller must
// Close it.
func StartProcess() (*Server, error) {
	return startServer(nil)
}

// startServer starts redis-server with extra arguments on a free port,
// trying a few ports in case another process takes the one it picked.
func startServer(extra func(s *Server) ([]string, error)) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found on PATH: %s", InstallHint)
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			lastErr = err
			continue
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, dir: dir}
		s.args = []string{
			"--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no",
			"--dir", dir,
			"--daemonize", "no",
			"--logfile", "",
		}
		if extra != nil {
			more, err := extra(s)
			if err != nil {
				lastErr = err
				continue
			}
			s.args = append(s.args, more...)
		}
		if lastErr = s.start(bin); lastErr == nil {
			return s, nil
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the process and waits until it answers PING.
func (s *Server) start(bin string) error {
	return s.run(bin, "redis-server", append([]string{"--port", strconv.Itoa(s.Port)}, s.args...))
}

// run starts bin with args in s.dir, logging to redis.log there, and waits
// until it answers PING; what names the process in errors.
func (s *Server) run(bin, what string, args []string) error {
	log, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", what, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	if err := waitFor(exited, func() error { return s.ping() }); err != nil {
		_ = s.Kill()
		return fmt.Errorf("%s on %s: %w\n%s", what, s.Addr, err, s.logTail())
	}
	return nil
}

// waitFor polls ready with a growing delay until it returns nil, the
// process exits or startTimeout passes. This waits for a process to start;
// it is not a timing assertion.
func waitFor(exited <-chan struct{}, ready func() error) error {
	deadline := time.Now().Add(startTimeout)
	delay := time.Millisecond
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", startTimeout, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-exited:
			t.Stop()
			return errors.New("process exited")
		case <-t.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

func (s *Server) ping() error {
	reply, err := Command(s.Addr, "PING")
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("PING answered %q", reply)
	}
	return nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// URL returns the redis:// URL of database 0.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// signal sends sig to the running process.
func (s *Server) signal(sig os.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redistest: server not running")
	}
	if sig == nil {
		return errors.New("redistest: no such signal on this system")
	}
	select {
	case <-s.exited:
		return errors.New("redistest: server has exited")
	default:
	}
	return s.cmd.Process.Signal(sig)
}

// Kill ends the server with SIGKILL, as a crash would, and waits until it
// is gone. Its data is lost: it has no persistence.
func (s *Server) Kill() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-exited
	return nil
}

// Restart starts the server again on the same port after Kill (it kills a
// running one first), empty, and waits until it answers PING.
func (s *Server) Restart() error {
	if err := s.Kill(); err != nil {
		return err
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis-server not found on PATH: %s", InstallHint)
	}
	return s.start(bin)
}

// Stop freezes the server with SIGSTOP: connections stay open and requests
// are accepted by the kernel but never answered, as with a hung server.
// Where there is no SIGSTOP (Windows) it returns an error.
func (s *Server) Stop() error { return s.signal(sigStop) }

// Cont thaws a server frozen by Stop with SIGCONT.
func (s *Server) Cont() error { return s.signal(sigCont) }

// Close kills the server and removes its directory. It is idempotent.
func (s *Server) Close() error {
	err := s.Kill()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}
