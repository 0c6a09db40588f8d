package postgres

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"
)

// TestMain fails the whole run, rather than skipping anything, when the
// test server is unreachable: CI must run these tests.
func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c, err := pgx.Connect(ctx, testDSN())
	if err == nil {
		err = c.Ping(ctx)
		_ = c.Close(ctx)
	}
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "store/postgres tests need a PostgreSQL server at %s (set %s to another): %v\n", testDSN(), envDSN, err)
		os.Exit(1)
	}
	code := m.Run()
	// The examples' schema (example_test.go): examples cannot clean up
	// after themselves without showing it.
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	if c, err := pgx.Connect(ctx, testDSN()); err == nil {
		schema := pgx.Identifier{fmt.Sprintf("livedict_example_%d", os.Getpid())}.Sanitize()
		if _, err := c.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			fmt.Fprintf(os.Stderr, "drop %s: %v\n", schema, err)
		}
		_ = c.Close(ctx)
	}
	cancel()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
