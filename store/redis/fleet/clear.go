package fleet

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// scanCount is the COUNT hint of Clear's SCANs.
const scanCount = 512

// Clear removes every entry of the bucket from Redis (SCAN and UNLINK on
// each master) and empties this instance's near cache. It is not atomic:
// a write that lands while Clear runs may survive it. Hooks do not run.
func (m *Map[K, V]) Clear(ctx context.Context) error {
	if err := m.check(ctx); err != nil {
		return err
	}
	var err error
	switch c := m.client.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			return m.clearNode(ctx, node)
		})
	case *goredis.Client:
		err = m.clearNode(ctx, c)
	}
	m.near.flush()
	m.stats.flushes.Add(1)
	return err
}

func (m *Map[K, V]) clearNode(ctx context.Context, node *goredis.Client) error {
	match := escapeGlob(m.prefix) + "*"
	var cursor uint64
	for {
		var keys []string
		err := m.call(ctx, "clear", func(ctx context.Context) error {
			var err error
			keys, cursor, err = node.Scan(ctx, cursor, match, scanCount).Result()
			return err
		})
		if err != nil {
			return err
		}
		var mine []string
		for _, k := range keys {
			if m.ours(strings.TrimPrefix(k, m.prefix)) {
				mine = append(mine, k)
			}
		}
		if len(mine) > 0 {
			err := m.call(ctx, "clear", func(ctx context.Context) error {
				_, err := node.Pipelined(ctx, func(p goredis.Pipeliner) error {
					for _, k := range mine {
						p.Unlink(ctx, k)
					}
					return nil
				})
				return err
			})
			if err != nil {
				return err
			}
		}
		if cursor == 0 {
			return nil
		}
	}
}

// escapeGlob escapes the characters SCAN MATCH gives a meaning. Name holds
// none of * ? [ ] \ (Options checks), but "^" and "-" are special only
// inside brackets, so escaping the rest suffices.
func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}
