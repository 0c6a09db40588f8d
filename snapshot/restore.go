package snapshot

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/livedict/livedict"
)

// Restore reads a snapshot from r and sets its entries in s, each with
// its recorded expiry as its deadline, exactly (View.SetUntil; entries
// without expiry get none, those whose expiry has passed are not restored,
// and one more than MaxTTL away is kept for about MaxTTL). Entries of
// s that the snapshot does not hold are left alone; an entry it holds
// replaces the store's. In a persisted bucket the restored entries are
// persisted like any Set: call s.Flush to make them durable.
//
// Nothing is applied from a snapshot that is not whole and authentic:
// Restore first reads the whole stream, authenticating every frame,
// opening and decoding every record and holding the decoded entries in
// memory, and applies them only once the trailer has verified and the
// input has ended. So a truncated, reordered, spliced or altered
// snapshot leaves s as it was and returns an error matching ErrCorrupt;
// see the package documentation for the errors of wrong options. The
// staged entries are the values the store will hold (a value's strings
// and slices are shared, not copied, when it is set), so staging costs
// about one entry header per record on top of what the store will use.
//
// Applying can still fail part way, for reasons of the store's own (its
// MaxKeys under the Reject policy, a closed store, a cancelled ctx): the
// entries set before the failure stay, Stats.Restored counts them, and
// restoring the same snapshot again is harmless.
func Restore[K comparable, V any](ctx context.Context, r io.Reader, s *livedict.Store[K, V], opts Options[K, V]) (Stats, error) {
	c, err := opts.config()
	if err != nil {
		return Stats{}, err
	}
	rd := &reader[K, V]{c: &c, fr: newFrameReader(r)}
	staged, err := rd.read(ctx)
	rd.st.Bytes = rd.fr.n
	c.progress(rd.st, true, 0)
	if err != nil {
		return rd.st, fmt.Errorf("snapshot: restore: %w", err)
	}
	if c.DryRun {
		for _, e := range staged {
			if expired(e.expireAt, time.Now()) {
				rd.st.Expired++
			}
		}
		return rd.st, nil
	}
	err = rd.apply(ctx, s, staged)
	c.progress(rd.st, true, 0)
	if err != nil {
		return rd.st, fmt.Errorf("snapshot: restore: %w", err)
	}
	return rd.st, nil
}

// staged is a decoded entry waiting for the trailer.
type staged[K comparable, V any] struct {
	bucket   int
	key      K
	value    V
	expireAt time.Time
}

type reader[K comparable, V any] struct {
	c    *config[K, V]
	fr   *frameReader
	seal *sealer
	h    header
	want []bool // by bucket index: restore its records
	st   Stats
}

func (rd *reader[K, V]) read(ctx context.Context) ([]staged[K, V], error) {
	if err := rd.fr.preamble(); err != nil {
		return nil, err
	}
	if err := rd.header(); err != nil {
		return nil, err
	}
	var out []staged[K, V]
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		typ, body, err := rd.fr.next()
		if err != nil {
			return nil, err
		}
		switch typ {
		case frameRecord:
			rd.st.Records++
			e, ok, err := rd.record(ctx, body)
			if err != nil {
				return nil, fmt.Errorf("frame %d: %w", rd.fr.frame, err)
			}
			if ok {
				out = append(out, e)
			}
			rd.st.Bytes = rd.fr.n
			rd.c.progress(rd.st, false, rd.st.Records)
		case frameTrailer:
			if len(body) != 8 || binary.BigEndian.Uint64(body) != uint64(rd.st.Records) {
				return nil, corrupt("the trailer's record count is not the number of records read")
			}
			return out, rd.fr.atEOF()
		default:
			return nil, corrupt("frame %d has unexpected type %#x", rd.fr.frame, typ)
		}
	}
}

// header reads and authenticates the first frame and checks it against
// the options.
func (rd *reader[K, V]) header() error {
	typ, body, err := rd.fr.raw()
	if err != nil {
		return err
	}
	mode, nonce, ok := parseHeaderStart(body)
	if typ != frameHeader || !ok {
		return corrupt("the first frame is not a header")
	}
	want := byte(modeSealed)
	if rd.c.Plaintext {
		want = modePlaintext
	}
	mac, err := newMAC(want, rd.c.NameKey, nonce)
	if err != nil {
		return err
	}
	rd.fr.chain.mac = mac
	if !rd.fr.verify(body) {
		switch {
		case mode != want && (mode == modeSealed || mode == modePlaintext):
			return fmt.Errorf("%w: %w: the header says the snapshot is %s", ErrCorrupt, ErrPlaintext, modeName(mode))
		case want == modeSealed:
			return fmt.Errorf("%w: %w: the header does not authenticate: NameKey is not the writer's, or the snapshot is damaged", ErrCorrupt, ErrWrongKey)
		}
		return corrupt("the header fails its checksum")
	}
	if rd.h, err = parseHeader(body); err != nil {
		return err
	}
	if rd.h.mode != want {
		return fmt.Errorf("%w: the snapshot is %s", ErrPlaintext, modeName(rd.h.mode))
	}
	if rd.h.name != rd.c.Name {
		return fmt.Errorf("%w: it was written for store %q, not %q", ErrWrongStore, rd.h.name, rd.c.Name)
	}
	if !rd.c.Plaintext {
		pt, _, _, err := rd.c.Keyring.Open(nil, rd.h.check, checkBinding(rd.h.name, rd.h.nonce))
		if err != nil {
			return fmt.Errorf("%w: the keyring does not open the snapshot's check blob: %w", ErrWrongKey, err)
		}
		if len(pt) != 0 {
			return corrupt("the check blob is not empty")
		}
	}
	if rd.c.OnHeader != nil {
		hd := Header{Created: rd.h.created, Name: rd.h.name, Buckets: slices.Clone(rd.h.buckets), Plaintext: rd.c.Plaintext}
		if err := rd.c.OnHeader(hd); err != nil {
			return err
		}
	}
	if rd.seal, err = newSealer(rd.c.Plaintext, rd.c.Keyring, rd.c.NameKey, rd.c.Name); err != nil {
		return err
	}
	var only map[string]bool
	if rd.c.Buckets != nil {
		only = make(map[string]bool, len(rd.c.Buckets))
		for _, b := range rd.c.Buckets {
			only[b] = true
		}
	}
	rd.want = make([]bool, len(rd.h.buckets))
	for i, b := range rd.h.buckets {
		rd.want[i] = only == nil || only[b]
	}
	rd.st.Created = rd.h.created
	rd.st.Buckets = len(rd.h.buckets)
	return nil
}

func modeName(mode byte) string {
	if mode == modePlaintext {
		return "plaintext"
	}
	return "sealed"
}

// record opens and decodes one record frame; ok is false for one that is
// not restored (expired, or of a bucket left out).
func (rd *reader[K, V]) record(ctx context.Context, body []byte) (e staged[K, V], ok bool, err error) {
	r, ok := parseRecord(body)
	if !ok || r.bucket >= uint64(len(rd.h.buckets)) {
		return e, false, corrupt("malformed record")
	}
	if !rd.want[r.bucket] {
		rd.st.Skipped++
		return e, false, nil
	}
	bucket := rd.h.buckets[r.bucket]
	kb, vb, exp, present, err := rd.seal.open(ctx, bucket, r)
	if err != nil {
		return e, false, fmt.Errorf("bucket %q: %w", bucket, err)
	}
	if !present {
		rd.st.Expired++
		return e, false, nil
	}
	e = staged[K, V]{bucket: int(r.bucket), expireAt: exp}
	if e.key, err = rd.c.KeyCodec.DecodeKey(kb); err != nil {
		return e, false, fmt.Errorf("bucket %q: a key does not decode (is KeyCodec the writer's?): %w", bucket, err)
	}
	e.value, err = rd.c.Codec.Decode(vb)
	if rd.seal.enc != nil {
		clear(vb) // the opened plaintext does not linger
	}
	if err != nil {
		return e, false, fmt.Errorf("bucket %q: a value does not decode (is Codec the writer's?): %w", bucket, err)
	}
	return e, true, nil
}

// apply sets the staged entries in s.
func (rd *reader[K, V]) apply(ctx context.Context, s *livedict.Store[K, V], entries []staged[K, V]) error {
	views := make([]*livedict.View[K, V], len(rd.h.buckets))
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		at := e.expireAt // the zero Time: no expiry, for SetUntil too
		if !at.IsZero() {
			now := time.Now()
			if !at.After(now) {
				rd.st.Expired++
				continue
			}
			// SetUntil takes no later deadline; a minute short of MaxTTL
			// stays within it however long the call takes.
			if limit := now.Add(livedict.MaxTTL - time.Minute); at.After(limit) {
				at = limit
			}
		}
		v := views[e.bucket]
		if v == nil {
			v = s.Bucket(rd.h.buckets[e.bucket])
			views[e.bucket] = v
		}
		// The recorded deadline is kept exactly (SetUntil), not turned
		// into a TTL that would move it by the time this call takes.
		if err := v.SetUntilContext(ctx, e.key, e.value, at); err != nil {
			if errors.Is(err, livedict.ErrDeadlinePassed) {
				rd.st.Expired++ // passed since the check above
				continue
			}
			return fmt.Errorf("bucket %q: after %d entries: %w", rd.h.buckets[e.bucket], rd.st.Restored, err)
		}
		var zero staged[K, V]
		entries[i] = zero // let the staged copy go
		rd.st.Restored++
		rd.c.progress(rd.st, false, rd.st.Restored)
	}
	return nil
}
