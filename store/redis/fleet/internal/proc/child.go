package proc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/redis/fleet"
	"github.com/livedict/livedict/store/redis/fleet/internal/history"
)

// opTimeout bounds one operation of a child, so that a hung server ends a
// test with errors rather than a hang. It is no assertion on speed.
const opTimeout = 10 * time.Second

// Main serves requests from in until it closes, writing one reply a line to
// out. It returns nil at the end of in.
func Main(in io.Reader, out io.Writer) error {
	c := &child{}
	defer c.shutdown()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	enc := json.NewEncoder(out)
	for sc.Scan() {
		var req Request
		var rep Reply
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			rep.Err = fmt.Sprintf("proc: bad request: %v", err)
		} else {
			rep = c.serve(req)
		}
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return sc.Err()
}

type child struct {
	m    *fleet.Map[string, int64]
	run  *workload
	open *OpenSpec
}

func (c *child) shutdown() {
	if c.run != nil {
		c.run.stop()
	}
	if c.m != nil {
		_ = c.m.Close()
	}
}

func (c *child) serve(req Request) (rep Reply) {
	defer func() {
		if r := recover(); r != nil {
			rep.Err = fmt.Sprintf("proc: panic: %v", r)
		}
	}()
	if req.Op == "open" {
		if c.m != nil || req.Open == nil {
			return Reply{Err: "proc: open twice or without spec"}
		}
		m, err := open(*req.Open)
		if err != nil {
			return Reply{Err: err.Error()}
		}
		c.m, c.open = m, req.Open
		return Reply{Stats: m.Stats()}
	}
	if c.m == nil {
		return Reply{Err: "proc: not open"}
	}
	switch req.Op {
	case "close":
		c.shutdown()
		c.m, c.run = nil, nil
		return Reply{}
	case "stats":
		return Reply{Stats: c.m.Stats()}
	case "incr":
		return c.incr(req)
	case "run":
		if c.run != nil || req.Run == nil {
			return Reply{Err: "proc: run twice or without spec"}
		}
		c.run = startWorkload(c.m, *req.Run)
		return Reply{}
	case "count":
		if c.run == nil {
			return Reply{Err: "proc: no run"}
		}
		return Reply{Count: c.run.count()}
	case "stop":
		if c.run == nil {
			return Reply{Err: "proc: no run"}
		}
		ops := c.run.stop()
		c.run = nil
		return Reply{Ops: ops, Stats: c.m.Stats()}
	}
	op := history.Op{Kind: history.Kind(req.Op), Key: req.Key, Arg: req.Arg, Old: req.Old}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := Do(ctx, c.m, &op); err != nil {
		rep.Err = err.Error()
	}
	rep.Out, rep.Found, rep.Stats = op.Out, op.Found, c.m.Stats()
	return rep
}

func open(spec OpenSpec) (*fleet.Map[string, int64], error) {
	seal, err := crypto.KeyFromHex(spec.SealKey)
	if err != nil {
		return nil, err
	}
	name, err := crypto.KeyFromHex(spec.NameKey)
	if err != nil {
		return nil, err
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, seal)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return fleet.Open(ctx, fleet.Options[string, int64]{
		URL: spec.URL, Name: spec.Name,
		Lease: spec.Lease, MaxStaleness: spec.MaxStaleness,
		Keyring: ring, NameKey: name,
	})
}

// Do runs op on m and fills in its outcome. Update's function is the
// model's: old+1 when found, else op.Arg.
func Do(ctx context.Context, m *fleet.Map[string, int64], op *history.Op) error {
	var err error
	switch op.Kind {
	case history.Get:
		op.Out, op.Found, err = m.Get(ctx, op.Key)
	case history.Set:
		err = m.Set(ctx, op.Key, op.Arg)
	case history.Delete:
		op.Found, err = m.Delete(ctx, op.Key)
	case history.Update:
		arg := op.Arg
		op.Out, op.Found, err = m.Update(ctx, op.Key, 0, func(old int64, found bool) (int64, bool) {
			if found {
				return old + 1, true
			}
			return arg, true
		})
		if err == nil && !op.Found {
			err = errors.New("proc: Update did not store")
		}
	case history.Add:
		op.Out, err = fleet.Add(ctx, m, op.Key, op.Arg, 0)
	case history.CAS:
		op.Found, err = fleet.CompareAndSwap(ctx, m, op.Key, op.Old, op.Arg)
	default:
		err = fmt.Errorf("proc: unknown op %q", op.Kind)
	}
	return err
}

// incr runs req.N increments of req.Key, by Add or (req.Arg == 1) by an
// Update that adds one, and returns what each returned.
func (c *child) incr(req Request) Reply {
	outs := make([]int64, 0, req.N)
	for range req.N {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		var v int64
		var err error
		if req.Arg == 1 {
			var stored bool
			v, stored, err = c.m.Update(ctx, req.Key, 0, func(old int64, _ bool) (int64, bool) { return old + 1, true })
			if err == nil && !stored {
				err = errors.New("proc: Update did not store")
			}
		} else {
			v, err = fleet.Add(ctx, c.m, req.Key, 1, 0)
		}
		cancel()
		if err != nil {
			return Reply{Err: err.Error(), Outs: outs}
		}
		outs = append(outs, v)
	}
	return Reply{Outs: outs, Stats: c.m.Stats()}
}

// workload is a random mix of operations over a few keys, recorded.
type workload struct {
	rec    history.Recorder
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	n      int
}

func startWorkload(m *fleet.Map[string, int64], spec RunSpec) *workload {
	ctx, cancel := context.WithCancel(context.Background())
	w := &workload{cancel: cancel}
	for i := range max(spec.Workers, 1) {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.worker(ctx, m, spec.Inst, spec.Client+i, rand.New(rand.NewPCG(uint64(spec.Seed), uint64(i))), spec.Keys)
		}()
	}
	return w
}

func (w *workload) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *workload) stop() []history.Op {
	w.cancel()
	w.wg.Wait()
	return w.rec.Ops()
}

// worker runs operations until ctx ends. After an error it only reads, with
// a pause that grows, until a read succeeds: an errored write may or may not
// have happened, and the checker's work grows with each one.
func (w *workload) worker(ctx context.Context, m *fleet.Map[string, int64], inst, client int, rng *rand.Rand, keys []string) {
	seen := map[string]int64{}
	var seq int64
	unique := func() int64 { seq++; return int64(client+1)*1_000_000_000 + seq }
	pause := time.Duration(0)
	for ctx.Err() == nil {
		key := keys[rng.IntN(len(keys))]
		op := history.Op{Inst: inst, Client: client, Key: key, Kind: history.Get}
		if pause == 0 {
			switch p := rng.IntN(100); {
			case p < 40:
			case p < 55:
				op.Kind, op.Arg = history.Set, unique()
			case p < 65:
				op.Kind = history.Delete
			case p < 75:
				op.Kind, op.Arg = history.Update, unique()
			case p < 90:
				op.Kind, op.Arg = history.Add, int64(1+rng.IntN(3))
			default:
				op.Kind, op.Old, op.Arg = history.CAS, seen[key], unique()
			}
		}
		var failed bool
		w.rec.Record(op, func(op *history.Op) error {
			octx, cancel := context.WithTimeout(ctx, opTimeout)
			defer cancel()
			err := Do(octx, m, op)
			failed = err != nil
			if err != nil {
				return err
			}
			switch {
			case op.Kind == history.Get && op.Found, op.Kind == history.Add, op.Kind == history.Update:
				seen[key] = op.Out
			case op.Kind == history.Set, op.Kind == history.CAS && op.Found:
				seen[key] = op.Arg
			}
			return nil
		})
		w.mu.Lock()
		w.n++
		w.mu.Unlock()
		if !failed {
			pause = 0
			continue
		}
		pause = min(max(2*pause, time.Millisecond), 50*time.Millisecond)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}
