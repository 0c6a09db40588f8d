package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// A store's configuration is written once with init; then each command
// opens the store, does its work and closes it.
func Example() {
	dir, err := os.MkdirTemp("", "livedict-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "livedict.yaml")
	livedict := func(args ...string) {
		code := run(context.Background(), append([]string{"--config", cfg}, args...), os.Stdin, os.Stdout, os.Stdout)
		fmt.Println("exit", code)
	}
	run(context.Background(), []string{"init", "--config", cfg, "--non-interactive",
		"--backend", "sqlite://" + filepath.Join(dir, "live.db"), "--keys", "file", "--generate-keys",
		"--key-file", filepath.Join(dir, "key"), "--name-key-file", filepath.Join(dir, "name-key")},
		os.Stdin, io.Discard, os.Stdout)
	livedict("set", "--bucket", "users", "ada", `{"name":"Ada","langs":["en","fr"]}`, "--ttl", "1h")
	livedict("get", "--bucket", "users", "ada")
	livedict("get", "--bucket", "users", "bob")
	// Output:
	// exit 0
	// {"langs":["en","fr"],"name":"Ada"}
	// exit 0
	// livedict: get: key "bob" has no live value in bucket "users"
	// exit 4
}
