// Package proc runs fleet Maps in child OS processes for the multi-process
// tests of package fleet: the test binary re-executes itself with [EnvChild]
// set, the child runs [Main] over its stdin and stdout, and the parent drives
// it with a [Child], one JSON request a line and one JSON reply a line.
package proc

import (
	"time"

	"github.com/livedict/livedict/store/redis/fleet"
	"github.com/livedict/livedict/store/redis/fleet/internal/history"
)

// EnvChild, set in a test binary's environment, makes it a child: its test
// named by ChildTest runs Main and exits.
const EnvChild = "LIVEDICT_FLEET_CHILD"

// ChildTest is the test function a child binary runs (-test.run).
const ChildTest = "TestProcChild"

// Request is one command to a child.
type Request struct {
	// Op is "open", "close", "stats", a history.Kind (one operation),
	// "incr" (N increments of Key by Add, or by Update with Arg=1),
	// "run" (start a random workload), "count" (ops the workload has
	// done so far) or "stop" (end the workload and return its history).
	Op string `json:"op"`

	Open *OpenSpec `json:"open,omitempty"`
	Run  *RunSpec  `json:"run,omitempty"`

	Key string `json:"key,omitempty"`
	Arg int64  `json:"arg,omitempty"`
	Old int64  `json:"old,omitempty"`
	N   int    `json:"n,omitempty"`
}

// OpenSpec says how a child opens its Map[string, int64].
type OpenSpec struct {
	URL          string        `json:"url"`
	Name         string        `json:"name"`
	Lease        time.Duration `json:"lease,omitempty"`
	MaxStaleness time.Duration `json:"max_staleness,omitempty"`
	// SealKey and NameKey are hex keys: every child of a test gets the
	// same, so they read each other's sealed values.
	SealKey string `json:"seal_key"`
	NameKey string `json:"name_key"`
}

// RunSpec is a random workload over a few keys.
type RunSpec struct {
	Inst    int      `json:"inst"`   // the instance (child) id recorded in each op
	Client  int      `json:"client"` // first porcupine client id; workers count up from it
	Workers int      `json:"workers"`
	Seed    int64    `json:"seed"`
	Keys    []string `json:"keys"`
}

// Reply is a child's answer to one Request.
type Reply struct {
	Err   string       `json:"err,omitempty"`
	Out   int64        `json:"out,omitempty"`
	Found bool         `json:"found,omitempty"`
	Outs  []int64      `json:"outs,omitempty"` // incr: what each increment returned
	Count int          `json:"count,omitempty"`
	Stats fleet.Stats  `json:"stats"`
	Ops   []history.Op `json:"ops,omitempty"`
}
