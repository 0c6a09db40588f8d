package backendtest

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/livedict/livedict/store"
)

// Child is the writer Parent kills; call it from TestCrashChild. It skips
// unless run by Parent. It writes round's sealed records batch after batch
// until killed, and prints "acked <last index> <sha256 of the batch's
// stored values>" after each batch returns.
func (c Crash) Child(t *testing.T) {
	path := os.Getenv(c.env("PATH"))
	if path == "" {
		t.Skip("run by TestCrash as a child process")
	}
	kr := crashKeyring(t, os.Getenv(c.env("KEY")))
	round, err := strconv.Atoi(os.Getenv(c.env("ROUND")))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(c.env("STORE")) != "" {
		c.storeChild(t, path, round)
		return
	}
	s, err := c.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	bp, batches := s.(store.BatchPutter)
	ctx := t.Context()
	rs := make([]store.Record, c.Batch)
	// Writes until killed; the bound only stops a child whose parent is gone.
	for b := range 100 * c.MaxAcks {
		sum := sha256.New()
		for j := range rs {
			i := b*c.Batch + j
			key := crashKey(round, i)
			exp := crashExpiry(i)
			v, err := kr.Seal(nil, crashPlaintext(round, i), crashBinding(key), exp)
			if err != nil {
				t.Fatal(err)
			}
			rs[j] = store.Record{Bucket: crashBucket, Key: key, Value: v, ExpireAt: exp}
			sum.Write(v)
		}
		if batches && !(c.SinglePuts && b%2 == 1) {
			err = bp.PutBatch(ctx, rs)
		} else {
			for _, r := range rs {
				if err = s.Put(ctx, r); err != nil {
					break
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		// os.Stdout is unbuffered: the line is out when Printf returns.
		fmt.Printf("acked %d %x\n", (b+1)*c.Batch-1, sum.Sum(nil))
	}
	_ = s.Close()
	t.Fatal("the parent never killed the writer")
}
