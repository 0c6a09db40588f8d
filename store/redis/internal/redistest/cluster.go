package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of three masters without replicas, each a
// [Server] of its own.
type Cluster struct {
	// Addrs are the masters' host:port addresses.
	Addrs []string
	// Nodes are the masters' processes.
	Nodes []*Server
}

// StartCluster starts a three-master cluster for tb and stops it when tb
// ends. It fails tb, never skips it, when redis-server or redis-cli is
// missing.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	c, err := StartClusterProcess()
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// StartClusterProcess starts a three-master cluster: three servers with
// cluster mode on, joined by redis-cli --cluster create, and returns once
// every node reports cluster_state:ok. The caller must Close it.
func StartClusterProcess() (*Cluster, error) {
	c := &Cluster{}
	if err := c.start(3, 0); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// start starts masters*(1+replicas) servers with cluster mode on, joins
// them with redis-cli --cluster create, and returns once every node
// reports cluster_state:ok and every replica's link to its master is up.
// On an error the caller closes c, which holds the nodes started so far.
func (c *Cluster) start(masters, replicas int) error {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return fmt.Errorf("redis-cli not found on PATH: %s", InstallHint)
	}
	for range masters * (1 + replicas) {
		s, err := startServer(func(s *Server) ([]string, error) {
			bus, err := freePort()
			if err != nil {
				return nil, err
			}
			return []string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes-" + strconv.Itoa(s.Port) + ".conf",
				"--cluster-port", strconv.Itoa(bus),
				"--cluster-node-timeout", "5000",
			}, nil
		})
		if err != nil {
			return err
		}
		c.Nodes = append(c.Nodes, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+replicas)*2*startTimeout)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %w\n%s", err, bytes.TrimSpace(out))
	}
	for _, s := range c.Nodes {
		err := waitFor(s.exited, func() error {
			info, err := Command(s.Addr, "CLUSTER", "INFO")
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") {
				return errors.New("cluster_state is not ok yet")
			}
			if replicas == 0 {
				return nil
			}
			repl, err := Command(s.Addr, "INFO", "replication")
			if err != nil {
				return err
			}
			if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
				return errors.New("replica not in sync yet")
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("cluster node %s: %w", s.Addr, err)
		}
	}
	return nil
}

// URL returns the redis+cluster:// URL of the cluster.
func (c *Cluster) URL() string {
	return "redis+cluster://" + strings.Join(c.Addrs, ",")
}

// Close stops every node.
func (c *Cluster) Close() error {
	var errs []error
	for _, s := range c.Nodes {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
