package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

// childEnv, when set to 1, makes the test binary act as the livedict
// binary: tests that need a real process (a terminal, a SIGKILL) run it
// as a child with the command line as its arguments. It is the same code
// as main, built with the same flags (-race included) as the tests.
const childEnv = "LIVEDICT_CLI_TEST_CHILD"

// stallEnv, in a child, makes rotate-key stop for good once it has
// resealed that many records (after showing its progress), so that the
// test kills it at a known point.
const stallEnv = "LIVEDICT_CLI_TEST_STALL_AFTER"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain())
	}
	goleak.VerifyTestMain(m)
}

func childMain() int {
	// The child's own test variables are not configuration.
	os.Unsetenv(childEnv)
	if v := os.Getenv(stallEnv); v != "" {
		os.Unsetenv(stallEnv)
		after, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad", stallEnv)
			return 99
		}
		rotateHook = func(done int64) {
			if done == after {
				// Block in a read of the stdin pipe the test holds open,
				// until the test kills the process. (Blocking on a channel
				// would let the runtime report a deadlock instead.)
				io.Copy(io.Discard, os.Stdin)
				panic("the test closed the stall pipe before killing the child")
			}
		}
	}
	return mainExit()
}
