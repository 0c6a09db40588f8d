// Package history records what the operations of a fleet Map returned, with
// their call and return times, and checks a recorded history against the
// guarantee of package fleet with the porcupine linearizability checker.
//
// Every key is a register of int64 values. Writes and read-modify-writes are
// checked at their real times; a read's call time is moved back by the Map's
// Lease, which is exactly the promise: a read reflects every write that
// completed more than Lease before it began. It is moved back no further
// than the return of the latest write to its key that its own instance
// completed before it began (read-your-writes). An operation that returned an
// error may or may not have taken effect, at any time after its call; an
// errored read tells nothing and is dropped.
package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Kind names an operation of the Map.
type Kind string

// The operations a history holds.
const (
	Get    Kind = "get"    // Out, Found: the value read and whether there was one
	Set    Kind = "set"    // Arg: the value written
	Delete Kind = "delete" // Found: whether an entry was deleted
	Update Kind = "update" // fn(old, found) = old+1 if found, else Arg; Out: the value stored
	Add    Kind = "add"    // Arg: the delta (absent counts as 0); Out: the sum
	CAS    Kind = "cas"    // Old -> Arg; Found: whether it swapped
)

// Op is one operation as a client saw it. Times are wall-clock Unix
// nanoseconds (time.Now().UnixNano()), which every process on one machine
// shares.
type Op struct {
	Client int    `json:"c"`
	Inst   int    `json:"i"` // the Map (instance) that ran it; several clients may share one
	Kind   Kind   `json:"k"`
	Key    string `json:"key"`
	Arg    int64  `json:"a,omitempty"`
	Old    int64  `json:"o,omitempty"`
	Out    int64  `json:"out,omitempty"`
	Found  bool   `json:"f,omitempty"`
	Err    string `json:"err,omitempty"` // non-empty: the outcome is unknown
	Call   int64  `json:"call"`
	Return int64  `json:"ret"`
}

// String describes the operation for failure messages.
func (o Op) String() string {
	s := fmt.Sprintf("c%d %s(%s", o.Client, o.Kind, o.Key)
	switch o.Kind {
	case Set, Update, Add:
		s += fmt.Sprintf(", %d", o.Arg)
	case CAS:
		s += fmt.Sprintf(", %d->%d", o.Old, o.Arg)
	}
	s += ")"
	switch {
	case o.Err != "":
		s += " err " + o.Err
	case o.Kind == Get && o.Found, o.Kind == Update, o.Kind == Add:
		s += fmt.Sprintf(" = %d", o.Out)
	case o.Kind == Get:
		s += " = absent"
	case o.Kind == Delete, o.Kind == CAS:
		s += fmt.Sprintf(" = %t", o.Found)
	}
	return s
}

// Recorder collects the operations of one client process; it is safe for
// concurrent use.
type Recorder struct {
	mu  sync.Mutex
	ops []Op
}

// Record runs op, which fills in its outcome, between two clock readings,
// and keeps the result.
func (r *Recorder) Record(op Op, do func(op *Op) error) {
	op.Call = time.Now().UnixNano()
	err := do(&op)
	op.Return = time.Now().UnixNano()
	if err != nil {
		op.Err = err.Error()
		if op.Err == "" {
			op.Err = "error"
		}
	}
	r.mu.Lock()
	r.ops = append(r.ops, op)
	r.mu.Unlock()
}

// Ops returns a copy of what has been recorded.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Op(nil), r.ops...)
}

// Write writes ops to w, one JSON object a line.
func Write(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, op := range ops {
		if err := enc.Encode(op); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Read reads what Write wrote.
func Read(r io.Reader) ([]Op, error) {
	dec := json.NewDecoder(r)
	var ops []Op
	for {
		var op Op
		err := dec.Decode(&op)
		if err == io.EOF {
			return ops, nil
		}
		if err != nil {
			return ops, fmt.Errorf("history: read op %d: %w", len(ops), err)
		}
		ops = append(ops, op)
	}
}
