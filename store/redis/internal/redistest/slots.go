package redistest

import (
	"context"
	"fmt"
	"net"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
)

// SlotOwner returns the address of the master that serves slot.
func (c *Cluster) SlotOwner(ctx context.Context, slot int) (string, error) {
	cl := goredis.NewClient(&goredis.Options{Addr: c.Addrs[0], MaxRetries: -1})
	defer cl.Close()
	shards, err := cl.ClusterShards(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("redistest: CLUSTER SHARDS: %w", err)
	}
	for _, sh := range shards {
		for _, r := range sh.Slots {
			if int(r.Start) > slot || slot > int(r.End) {
				continue
			}
			for _, n := range sh.Nodes {
				if n.Role == "master" {
					return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)), nil
				}
			}
		}
	}
	return "", fmt.Errorf("redistest: slot %d has no master", slot)
}

// KeySlot returns the cluster slot of a key.
func (c *Cluster) KeySlot(ctx context.Context, key string) (int, error) {
	cl := goredis.NewClient(&goredis.Options{Addr: c.Addrs[0], MaxRetries: -1})
	defer cl.Close()
	n, err := cl.ClusterKeySlot(ctx, key).Result()
	return int(n), err
}

// MigrateSlot moves slot and its keys from the master that serves it to the
// master at to, the way redis-cli --cluster reshard moves one slot: SETSLOT
// IMPORTING on the target and MIGRATING on the source, MIGRATE of the keys in
// batches, then SETSLOT NODE on every master. Clients see MOVED and ASK
// redirections meanwhile, as in a live resharding. Moving a slot to its
// owner does nothing.
func (c *Cluster) MigrateSlot(ctx context.Context, slot int, to string) error {
	from, err := c.SlotOwner(ctx, slot)
	if err != nil {
		return err
	}
	if from == to {
		return nil
	}
	client := func(addr string) *goredis.Client {
		return goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	}
	src, dst := client(from), client(to)
	defer src.Close()
	defer dst.Close()
	srcID, err := src.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return fmt.Errorf("redistest: CLUSTER MYID on %s: %w", from, err)
	}
	dstID, err := dst.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		return fmt.Errorf("redistest: CLUSTER MYID on %s: %w", to, err)
	}
	if err := dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", srcID).Err(); err != nil {
		return fmt.Errorf("redistest: SETSLOT IMPORTING: %w", err)
	}
	if err := src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dstID).Err(); err != nil {
		return fmt.Errorf("redistest: SETSLOT MIGRATING: %w", err)
	}
	host, port, err := net.SplitHostPort(to)
	if err != nil {
		return err
	}
	for {
		keys, err := src.ClusterGetKeysInSlot(ctx, slot, 100).Result()
		if err != nil {
			return fmt.Errorf("redistest: GETKEYSINSLOT: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		if err := src.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("redistest: MIGRATE: %w", err)
		}
	}
	// The target first, so that the slot is never owned by nobody.
	for _, addr := range append([]string{to, from}, c.Addrs...) {
		cl := client(addr)
		err := cl.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dstID).Err()
		cl.Close()
		if err != nil {
			return fmt.Errorf("redistest: SETSLOT NODE on %s: %w", addr, err)
		}
	}
	return nil
}
