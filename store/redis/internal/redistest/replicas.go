package redistest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// ReplicatedCluster is a Redis Cluster of three masters, each with one
// replica, for failover tests. Which node is a master changes with
// [ReplicatedCluster.Failover].
type ReplicatedCluster struct {
	Cluster
}

// StartReplicatedCluster starts a three-master cluster with one replica per
// master for tb and stops it when tb ends.
func StartReplicatedCluster(tb testing.TB) *ReplicatedCluster {
	tb.Helper()
	c := &ReplicatedCluster{}
	tb.Cleanup(func() { _ = c.Close() })
	if err := c.start(3, 1); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return c
}

// Replicas returns the addresses of the nodes that are replicas now.
func (c *ReplicatedCluster) Replicas() ([]string, error) {
	var out []string
	for _, s := range c.Nodes {
		repl, err := Command(s.Addr, "INFO", "replication")
		if err != nil {
			return nil, err
		}
		if strings.Contains(repl, "role:slave") {
			out = append(out, s.Addr)
		}
	}
	return out, nil
}

// Failover promotes the replica at addr with CLUSTER FAILOVER (the manual,
// coordinated kind: the master pauses its clients until the replica has
// caught up) and waits until the replica reports itself a master and the
// old master a replica.
func (c *ReplicatedCluster) Failover(addr string) error {
	repl, err := Command(addr, "INFO", "replication")
	if err != nil {
		return err
	}
	old := ""
	for _, line := range strings.Split(repl, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "master_host:"); ok {
			old = v
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "master_port:"); ok {
			old += ":" + v
		}
	}
	if _, err := Command(addr, "CLUSTER", "FAILOVER"); err != nil {
		return fmt.Errorf("redistest: CLUSTER FAILOVER on %s: %w", addr, err)
	}
	var node *Server
	for _, s := range c.Nodes {
		if s.Addr == addr {
			node = s
		}
	}
	if node == nil {
		return fmt.Errorf("redistest: %s is no node of the cluster", addr)
	}
	return waitFor(node.exited, func() error {
		r, err := Command(addr, "INFO", "replication")
		if err != nil {
			return err
		}
		if !strings.Contains(r, "role:master") {
			return errors.New("not promoted yet")
		}
		if old != "" {
			o, err := Command(old, "INFO", "replication")
			if err != nil {
				return err
			}
			if !strings.Contains(o, "role:slave") {
				return errors.New("old master not demoted yet")
			}
		}
		return nil
	})
}
