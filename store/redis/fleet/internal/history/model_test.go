package history

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

const lease = 100 * time.Millisecond

// at builds an op of client c over [call, ret] milliseconds; each client is
// an instance of its own.
func at(c int, call, ret int64, o Op) Op {
	return inst(c, c, call, ret, o)
}

// inst builds an op of client c of instance i.
func inst(i, c int, call, ret int64, o Op) Op {
	o.Inst, o.Client, o.Call, o.Return = i, c, call*int64(time.Millisecond), ret*int64(time.Millisecond)
	if o.Key == "" {
		o.Key = "k"
	}
	return o
}

// TestModel checks the checker both ways: each history is a planted case
// that it must accept or, for the bad ones, reject.
func TestModel(t *testing.T) {
	tests := []struct {
		name string
		ops  []Op
		want porcupine.CheckResult
	}{
		{"read of the last write", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(1, 20, 30, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Ok},
		{"read of nothing before any write", []Op{
			at(1, 0, 5, Op{Kind: Get}),
			at(0, 10, 20, Op{Kind: Set, Arg: 1}),
		}, porcupine.Ok},
		{"read of a value never written", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(1, 20, 30, Op{Kind: Get, Out: 7, Found: true}),
		}, porcupine.Illegal},
		{"stale read within the lease", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2}),
			at(1, 30+99, 30+100, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Ok},
		{"stale read older than the lease", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2}),
			at(1, 30+101, 30+102, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Illegal},
		{"deleted entry read after the lease", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Delete, Found: true}),
			at(1, 200, 210, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Illegal},
		{"reads going back in time beyond the lease", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2}),
			at(1, 40, 50, Op{Kind: Get, Out: 2, Found: true}),
			at(1, 300, 310, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Illegal},
		{"write-write is not shifted", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Delete, Found: true}),
			at(1, 40, 50, Op{Kind: Delete, Found: true}),
		}, porcupine.Illegal},
		{"lost increment", []Op{
			at(0, 0, 10, Op{Kind: Add, Arg: 1, Out: 1}),
			at(1, 5, 15, Op{Kind: Add, Arg: 1, Out: 1}),
		}, porcupine.Illegal},
		{"concurrent increments", []Op{
			at(0, 0, 10, Op{Kind: Add, Arg: 1, Out: 2}),
			at(1, 5, 15, Op{Kind: Add, Arg: 1, Out: 1}),
			at(1, 20, 25, Op{Kind: Get, Out: 2, Found: true}),
		}, porcupine.Ok},
		{"update resurrects nothing after delete", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 5}),
			at(0, 20, 30, Op{Kind: Delete, Found: true}),
			at(1, 40, 50, Op{Kind: Update, Arg: 100, Out: 6}),
		}, porcupine.Illegal},
		{"update of an absent key", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 5}),
			at(0, 20, 30, Op{Kind: Delete, Found: true}),
			at(1, 40, 50, Op{Kind: Update, Arg: 100, Out: 100}),
			at(1, 60, 70, Op{Kind: Update, Arg: 100, Out: 101}),
		}, porcupine.Ok},
		{"compare-and-swap", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 5}),
			at(0, 20, 30, Op{Kind: CAS, Old: 5, Arg: 6, Found: true}),
			at(1, 40, 50, Op{Kind: CAS, Old: 5, Arg: 7}),
			at(1, 200, 210, Op{Kind: Get, Out: 6, Found: true}),
		}, porcupine.Ok},
		{"two swaps from one value", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 5}),
			at(0, 20, 30, Op{Kind: CAS, Old: 5, Arg: 6, Found: true}),
			at(1, 25, 35, Op{Kind: CAS, Old: 5, Arg: 7, Found: true}),
		}, porcupine.Illegal},
		{"errored write may have happened", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 3, Err: "connection refused"}),
			at(1, 500, 510, Op{Kind: Get, Out: 3, Found: true}),
		}, porcupine.Ok},
		{"errored write may not have happened", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 3, Err: "connection refused"}),
			at(1, 500, 510, Op{Kind: Get}),
		}, porcupine.Ok},
		{"errored write happens once, not undone", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 3, Err: "connection refused"}),
			at(1, 500, 510, Op{Kind: Get, Out: 3, Found: true}),
			at(1, 800, 810, Op{Kind: Get}),
		}, porcupine.Illegal},
		{"errored read is dropped", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(1, 500, 510, Op{Kind: Get, Out: 9, Found: true, Err: "timeout"}),
		}, porcupine.Ok},
		{"own write read back", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2}),
			at(0, 40, 50, Op{Kind: Get, Out: 2, Found: true}),
		}, porcupine.Ok},
		{"own older write within the lease", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2}),
			at(0, 40, 50, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Illegal},
		{"own write, read by a sibling client of the instance", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2}),
			inst(0, 1, 40, 50, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Illegal},
		{"another instance's write within the lease", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(1, 20, 30, Op{Kind: Set, Arg: 2}),
			at(0, 40, 50, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Ok},
		{"own errored write is not required", []Op{
			at(0, 0, 10, Op{Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Kind: Set, Arg: 2, Err: "timeout"}),
			at(0, 40, 50, Op{Kind: Get, Out: 1, Found: true}),
		}, porcupine.Ok},
		{"keys are independent", []Op{
			at(0, 0, 10, Op{Key: "a", Kind: Set, Arg: 1}),
			at(0, 20, 30, Op{Key: "b", Kind: Set, Arg: 2}),
			at(1, 500, 510, Op{Key: "a", Kind: Get, Out: 2, Found: true}),
		}, porcupine.Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Check(tt.ops, lease, 10*time.Second)
			if got != tt.want {
				t.Fatalf("Check = %s, want %s; history:\n%v", got, tt.want, tt.ops)
			}
		})
	}
}

func TestWriteRead(t *testing.T) {
	var r Recorder
	r.Record(Op{Client: 2, Kind: Add, Key: "x", Arg: 3}, func(op *Op) error { op.Out = 3; return nil })
	r.Record(Op{Client: 2, Kind: Get, Key: "x"}, func(op *Op) error { return errTest })
	ops := r.Ops()
	if ops[0].Call == 0 || ops[0].Return < ops[0].Call || ops[1].Err != errTest.Error() {
		t.Fatalf("recorded %+v", ops)
	}
	var buf bytes.Buffer
	if err := Write(&buf, ops); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ops) {
		t.Fatalf("read %+v, wrote %+v", got, ops)
	}
	if _, err := Read(bytes.NewBufferString("{\"c\":1}\n{not json")); err == nil {
		t.Fatal("Read of a torn line: no error")
	}
}

type testError string

func (e testError) Error() string { return string(e) }

const errTest = testError("boom")
