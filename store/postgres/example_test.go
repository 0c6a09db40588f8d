package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/postgres"
)

// The examples run against the tests' server. Each uses a key of its own
// process, so that parallel runs of these tests never meet.
var exampleKey = []byte(fmt.Sprintf("example-%d", os.Getpid()))

// dsn is the tests' server, a URL with a query.
func dsn() string {
	if v := os.Getenv("POSTGRES_TEST_DSN"); v != "" {
		if !strings.Contains(v, "?") {
			v += "?"
		}
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

func Example() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn(), &postgres.Options{Schema: "livedict_example"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if err := s.Put(ctx, store.Record{Bucket: "sessions", Key: exampleKey, Value: []byte("alice")}); err != nil {
		log.Fatal(err)
	}
	r, err := s.Get(ctx, "sessions", exampleKey)
	fmt.Printf("%s %v\n", r.Value, err)
	if err := s.Delete(ctx, "sessions", exampleKey); err != nil {
		log.Fatal(err)
	}
	// Output: alice <nil>
}

// Opened by URL, through store.Open: a blank import of this package
// registers postgres:// and postgresql://.
func ExampleOpenURL() {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn()+"&schema=livedict_example&table=by_url&max_conns=4&sweep=5m")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(s.(store.Pinger).Ping(ctx))
	// Output: <nil>
}
