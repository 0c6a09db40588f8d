package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// SentinelMaster is the master name the Sentinels of [StartSentinel]
// watch.
const SentinelMaster = "mymaster"

// StartReplica starts a standalone server replicating master for tb and
// stops it when tb ends.
func StartReplica(tb testing.TB, master *Server) *Server {
	tb.Helper()
	s, err := startServer(func(*Server) ([]string, error) {
		h, p, _ := net.SplitHostPort(master.Addr)
		return []string{"--replicaof", h, p}, nil
	})
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// StartSentinel starts one Sentinel (quorum 1) watching master under the
// name [SentinelMaster] for tb, and stops it when tb ends. Its
// down-after-milliseconds is 1000, so a killed master fails over quickly;
// SENTINEL FAILOVER works at once.
func StartSentinel(tb testing.TB, master *Server) *Server {
	tb.Helper()
	s, err := startSentinel(master)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func startSentinel(master *Server) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found on PATH: %s", InstallHint)
	}
	dir, err := os.MkdirTemp("", "redistest-sentinel-")
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
		h, p, _ := net.SplitHostPort(master.Addr)
		conf := strings.Join([]string{
			"port " + strconv.Itoa(port),
			"bind 127.0.0.1",
			"daemonize no",
			"dir " + dir,
			"sentinel monitor " + SentinelMaster + " " + h + " " + p + " 1",
			"sentinel down-after-milliseconds " + SentinelMaster + " 1000",
			"sentinel failover-timeout " + SentinelMaster + " 5000",
		}, "\n") + "\n"
		path := filepath.Join(dir, "sentinel.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			lastErr = err
			break
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, dir: dir}
		if lastErr = s.startSentinelProc(bin, path); lastErr == nil {
			return s, nil
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

// startSentinelProc runs redis-server in Sentinel mode on conf, which
// must come first on its command line, and waits until it answers PING.
func (s *Server) startSentinelProc(bin, conf string) error {
	return s.run(bin, "sentinel", []string{conf, "--sentinel"})
}
