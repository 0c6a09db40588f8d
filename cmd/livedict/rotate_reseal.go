package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/livedict/livedict/layer"
)

// rotateHook, when set (by tests only), is called with the number of
// records resealed so far after each one, once progress has been shown.
var rotateHook func(done int64)

// reseal reseals every persisted record of every bucket that is not
// under the primary key, with Store.Rotate, showing progress.
func (e *env) reseal(ctx context.Context) (err error) {
	var done atomic.Int64
	var shown atomic.Pointer[progress] // set once the total is known
	counter := &putCounter{onPut: func(n int) {
		d := done.Add(int64(n))
		if pr := shown.Load(); pr != nil {
			(*pr).set(d)
		}
		if rotateHook != nil {
			rotateHook(d)
		}
	}}
	s, err := e.open(ctx, openOptions{layers: []layer.Layer{counter.layer()}})
	if err != nil {
		return err
	}
	defer s.closeInto(&err)
	if s.ring == nil {
		_, err := fmt.Fprintln(e.stdout, "the store is plaintext: nothing is sealed, nothing to reseal")
		return err
	}
	primary := s.ring.Primary()
	buckets, err := e.allBuckets(ctx, s.cfg, s.raw)
	if err != nil {
		return err
	}
	todo := 0
	for _, b := range buckets {
		if !persisted(s.cfg, b) {
			continue
		}
		n, err := countSeals(ctx, s.raw, b)
		if err != nil {
			return err
		}
		todo += n.notUnder(primary)
	}
	pr := e.newProgress("resealed", int64(todo))
	shown.Store(&pr)
	n, err := s.store.Rotate(ctx)
	if err != nil {
		pr.stop()
		return fmt.Errorf("resealed %d records, then: %w (fix the cause and run rotate-key --resume)", n, err)
	}
	pr.finish()
	left := 0
	for _, b := range buckets {
		if !persisted(s.cfg, b) {
			continue
		}
		c, err := countSeals(ctx, s.raw, b)
		if err != nil {
			return err
		}
		left += c.notUnder(primary)
	}
	fmt.Fprintf(e.stdout, "resealed %d records under key id %d in buckets %s\n", n, primary, showBuckets(buckets))
	if left > 0 {
		return fmt.Errorf("%d records were written under another key while resealing (is a program still running with the old configuration?); restart it with the new configuration and run rotate-key --resume", left)
	}
	return nil
}

// showBuckets lists bucket names for messages.
func showBuckets(bs []string) string {
	q := make([]string, len(bs))
	for i, b := range bs {
		q[i] = showBucket(b)
	}
	return strings.Join(q, ", ")
}
