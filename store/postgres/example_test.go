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

// The examples run against the tests' server, in a schema of this test
// process's own, which TestMain drops at the end.
var exampleSchema = fmt.Sprintf("livedict_example_%d", os.Getpid())

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
	s, err := postgres.Open(ctx, dsn(), &postgres.Options{Schema: exampleSchema})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	if err := s.Put(ctx, store.Record{Bucket: "sessions", Key: []byte("42"), Value: []byte("alice")}); err != nil {
		log.Fatal(err)
	}
	r, err := s.Get(ctx, "sessions", []byte("42"))
	fmt.Printf("%s %v\n", r.Value, err)
	// Output: alice <nil>
}

// Opened by URL, through store.Open: a blank import of this package
// registers postgres:// and postgresql://.
func ExampleOpenURL() {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn()+"&schema="+exampleSchema+"&table=by_url&max_conns=4&sweep=5m")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(s.(store.Pinger).Ping(ctx))
	// Output: <nil>
}
