package redistest

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

func TestKillTracking(t *testing.T) {
	s := Start(t)
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	// HELLO 3 answers a map; CLIENT TRACKING answers +OK: read up to it.
	if _, err := conn.Write([]byte("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*4\r\n$6\r\nCLIENT\r\n$8\r\nTRACKING\r\n$2\r\nON\r\n$5\r\nBCAST\r\n")); err != nil {
		t.Fatal(err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "+OK\r\n" {
			break
		}
	}
	if n, err := Tracking(s.Addr); err != nil || n != 1 {
		t.Fatalf("Tracking = %d, %v; want 1", n, err)
	}
	if n, err := KillTracking(s.Addr); err != nil || n != 1 {
		t.Fatalf("KillTracking = %d, %v; want 1", n, err)
	}
	if _, err := r.ReadString('\n'); err == nil {
		t.Fatal("the tracking connection is still open")
	}
	if n, err := Tracking(s.Addr); err != nil || n != 0 {
		t.Fatalf("Tracking after kill = %d, %v; want 0", n, err)
	}
}

func TestStartPersistentKeepsData(t *testing.T) {
	s := StartPersistent(t)
	if _, err := Command(s.Addr, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if v, err := Command(s.Addr, "GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET after restart = %q, %v", v, err)
	}
}

func TestMigrateSlot(t *testing.T) {
	c := StartCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs})
	defer cl.Close()
	const key = "migrating-key"
	if err := cl.Set(ctx, key, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	slot, err := c.KeySlot(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	from, err := c.SlotOwner(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	to := c.Addrs[0]
	if to == from {
		to = c.Addrs[1]
	}
	if err := c.MigrateSlot(ctx, slot, to); err != nil {
		t.Fatal(err)
	}
	if owner, err := c.SlotOwner(ctx, slot); err != nil || owner != to {
		t.Fatalf("owner after migration = %s, %v; want %s", owner, err, to)
	}
	if v, err := Command(to, "GET", key); err != nil || v != "v" {
		t.Fatalf("GET on the new owner = %q, %v", v, err)
	}
	if _, err := Command(from, "GET", key); err == nil || !strings.HasPrefix(err.Error(), "MOVED "+strconv.Itoa(slot)) {
		t.Fatalf("GET on the old owner: %v, want MOVED", err)
	}
	if v, err := cl.Get(ctx, key).Result(); err != nil || v != "v" {
		t.Fatalf("cluster GET = %q, %v", v, err)
	}
}

func TestFailover(t *testing.T) {
	c := StartReplicatedCluster(t)
	reps, err := c.Replicas()
	if err != nil || len(reps) != 3 {
		t.Fatalf("Replicas = %v, %v; want 3", reps, err)
	}
	if err := c.Failover(reps[0]); err != nil {
		t.Fatal(err)
	}
	after, err := c.Replicas()
	if err != nil || len(after) != 3 {
		t.Fatalf("Replicas after failover = %v, %v; want 3", after, err)
	}
	for _, a := range after {
		if a == reps[0] {
			t.Fatalf("%s is still a replica after its failover", a)
		}
	}
}
