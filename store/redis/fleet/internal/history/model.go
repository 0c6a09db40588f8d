package history

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// register is the state of one key: absent, or holding v.
type register struct {
	v       int64
	present bool
}

func (r register) String() string {
	if !r.present {
		return "absent"
	}
	return fmt.Sprint(r.v)
}

// step applies op to r. ok says whether what op returned is possible from
// r; next is the state after it. It does not look at op.Err.
func step(r register, op Op) (ok bool, next register) {
	switch op.Kind {
	case Get:
		return op.Found == r.present && (!r.present || op.Out == r.v), r
	case Set:
		return true, register{op.Arg, true}
	case Delete:
		return op.Found == r.present, register{}
	case Update:
		want := op.Arg
		if r.present {
			want = r.v + 1
		}
		return op.Out == want, register{want, true}
	case Add:
		want := op.Arg
		if r.present {
			want += r.v
		}
		return op.Out == want, register{want, true}
	case CAS:
		swap := r.present && r.v == op.Old
		if swap {
			return op.Found, register{op.Arg, true}
		}
		return !op.Found, r
	}
	return false, r
}

// Model is the per-key register model: a history is linearizable if and
// only if each key's is.
var Model = porcupine.NondeterministicModel{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, o := range h {
			k := o.Input.(Op).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], o)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() []any { return []any{register{}} },
	Step: func(state, input, _ any) []any {
		r, op := state.(register), input.(Op)
		ok, next := step(r, op)
		if op.Err != "" {
			// Unknown outcome: it took effect or it did not.
			if next == r {
				return []any{r}
			}
			return []any{r, next}
		}
		if !ok {
			return nil
		}
		return []any{next}
	},
	DescribeOperation: func(input, _ any) string { return input.(Op).String() },
	DescribeState:     func(state any) string { return state.(register).String() },
}

// Operations turns a recorded history into porcupine operations under the
// guarantee with the given Lease: each read's call moved back by lease (but
// not before its instance's own latest completed write of the key), each
// errored write left open until after the last return, errored reads
// dropped.
func Operations(ops []Op, lease time.Duration) []porcupine.Operation {
	var end int64 = math.MinInt64
	for _, o := range ops {
		end = max(end, o.Return)
	}
	// The returns of each instance's successful writes, per key, in order.
	type instKey struct {
		inst int
		key  string
	}
	writes := map[instKey][]int64{}
	for _, o := range ops {
		if o.Kind != Get && o.Err == "" {
			k := instKey{o.Inst, o.Key}
			writes[k] = append(writes[k], o.Return)
		}
	}
	for _, w := range writes {
		slices.Sort(w)
	}
	out := make([]porcupine.Operation, 0, len(ops))
	for _, o := range ops {
		call, ret := o.Call, o.Return
		switch {
		case o.Err != "" && o.Kind == Get:
			continue
		case o.Err != "":
			ret = end + 1
		case o.Kind == Get:
			call -= int64(lease)
			// Not before the instance's own latest completed write.
			w := writes[instKey{o.Inst, o.Key}]
			if i, _ := slices.BinarySearch(w, o.Call); i > 0 {
				call = max(call, w[i-1]+1) // intervals are closed: after it, not at it
			}
		}
		out = append(out, porcupine.Operation{ClientId: o.Client, Input: o, Output: o, Call: call, Return: ret})
	}
	return out
}

// Check checks ops against the guarantee with the given Lease, giving up
// after timeout (porcupine.Unknown). The info lets a caller draw the history
// with porcupine.VisualizePath when it is Illegal.
func Check(ops []Op, lease, timeout time.Duration) (porcupine.CheckResult, porcupine.LinearizationInfo) {
	return porcupine.CheckOperationsVerbose(Model.ToModel(), Operations(ops, lease), timeout)
}
