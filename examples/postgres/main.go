// Command postgres persists a store to PostgreSQL, write-behind, opened
// from a URL (POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). The records go
// to a schema of this run's own, dropped at the end, so the demo leaves
// nothing behind; an application names a lasting one (schema=cache).
//
//	go -C examples run ./postgres
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/livedict/livedict"
	"github.com/livedict/livedict/examples/internal/demo"
	"github.com/livedict/livedict/store"
	_ "github.com/livedict/livedict/store/postgres" // registers postgres:// with store.Open
)

func main() {
	base := os.Getenv("POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	schema := fmt.Sprintf("livedict_example_%d", os.Getpid())
	defer dropSchema(base, schema)
	url := base + sep + "schema=" + schema + "&max_conns=4"
	demo.RoundTrip("postgres", func() store.Stage {
		s, err := store.Open(context.Background(), url)
		if err != nil {
			log.Fatal(err)
		}
		return s
	}, livedict.WriteBehind)
}

// dropSchema removes the demo's schema and its tables.
func dropSchema(base, schema string) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		log.Print(err)
		return
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		log.Print(err)
	}
}
