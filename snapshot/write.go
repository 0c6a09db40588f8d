package snapshot

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/livedict/livedict"
)

// Write writes a snapshot of s to w: the live entries of the buckets in
// opts.Buckets (nil: every bucket s.Buckets lists), each sealed as the
// store's backend would hold it, with its absolute expiry. It streams:
// memory use does not grow with the store. Guarded entries (those set
// with a Token) and expired ones are not written.
//
// The snapshot is weakly consistent, as [livedict.View.All] is: an
// entry written or removed while Write runs may or may not be in it.
// Write returns what it wrote; on error the output has no trailer, so
// Restore refuses it. Write does not close w.
func Write[K comparable, V any](ctx context.Context, w io.Writer, s *livedict.Store[K, V], opts Options[K, V]) (Stats, error) {
	c, err := opts.config()
	if err != nil {
		return Stats{}, err
	}
	wr, err := newWriter(w, s, &c)
	if err != nil {
		return Stats{}, err
	}
	err = wr.run(ctx)
	wr.st.Bytes = wr.fw.n
	c.progress(wr.st, true, 0)
	if err != nil {
		return wr.st, fmt.Errorf("snapshot: write: %w", err)
	}
	return wr.st, nil
}

type writer[K comparable, V any] struct {
	c       *config[K, V]
	s       *livedict.Store[K, V]
	fw      *frameWriter
	seal    *sealer
	h       header
	present map[string]bool // buckets the store has
	st      Stats
	kbuf    []byte
	vbuf    []byte
	body    []byte
}

func newWriter[K comparable, V any](w io.Writer, s *livedict.Store[K, V], c *config[K, V]) (*writer[K, V], error) {
	wr := &writer[K, V]{c: c, s: s, present: map[string]bool{}}
	for b := range s.Buckets() {
		wr.present[b] = true
	}
	buckets := c.Buckets
	if buckets == nil {
		buckets = slices.Collect(s.Buckets())
	}
	mode := byte(modeSealed)
	if c.Plaintext {
		mode = modePlaintext
	}
	nonce := make([]byte, nonceSize)
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	wr.h = header{mode: mode, nonce: nonce, created: time.Now(), name: c.Name, buckets: buckets}
	if !c.Plaintext {
		check, err := c.Keyring.Seal(nil, nil, checkBinding(c.Name, nonce), time.Time{})
		if err != nil {
			return nil, fmt.Errorf("snapshot: write: %w", err)
		}
		wr.h.check = check
	}
	mac, err := newMAC(mode, c.NameKey, nonce)
	if err != nil {
		return nil, fmt.Errorf("snapshot: write: %w", err)
	}
	if wr.seal, err = newSealer(c.Plaintext, c.Keyring, c.NameKey, c.Name); err != nil {
		return nil, fmt.Errorf("snapshot: write: %w", err)
	}
	wr.fw = newFrameWriter(w)
	wr.fw.chain.mac = mac
	wr.st.Created = wr.h.created
	wr.st.Buckets = len(buckets)
	return wr, nil
}

func (wr *writer[K, V]) run(ctx context.Context) error {
	if err := wr.fw.frame(frameHeader, wr.h.append(nil)); err != nil {
		return err
	}
	for i, b := range wr.h.buckets {
		if !wr.present[b] {
			continue // listed, so Restore knows it was asked for; empty
		}
		for it := range wr.s.Bucket(b).Items() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := wr.record(ctx, i, b, it); err != nil {
				return fmt.Errorf("bucket %q: %w", b, err)
			}
		}
	}
	body := binary.BigEndian.AppendUint64(nil, uint64(wr.st.Records))
	if err := wr.fw.frame(frameTrailer, body); err != nil {
		return err
	}
	return wr.fw.flush()
}

func (wr *writer[K, V]) record(ctx context.Context, idx int, bucket string, it livedict.Item[K, V]) error {
	if expired(it.Deadline, time.Now()) {
		wr.st.Expired++
		return nil
	}
	var err error
	if wr.kbuf, err = wr.c.KeyCodec.EncodeKey(wr.kbuf[:0], it.Key); err != nil {
		return err
	}
	if wr.vbuf, err = wr.c.Codec.Encode(wr.vbuf[:0], it.Value); err != nil {
		return err
	}
	k, v, exp, err := wr.seal.seal(ctx, bucket, wr.kbuf, wr.vbuf, it.Deadline)
	if err == nil {
		wr.body = appendRecord(wr.body[:0], idx, exp, k, v)
	}
	if !wr.c.Plaintext {
		clear(wr.vbuf) // the encoded value does not linger once sealed
	}
	if err != nil {
		return err
	}
	if err := wr.fw.frame(frameRecord, wr.body); err != nil {
		return err
	}
	wr.st.Records++
	wr.st.Bytes = wr.fw.n
	wr.c.progress(wr.st, false, wr.st.Records)
	return nil
}
