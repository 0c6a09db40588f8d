package layer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/internal/arena"
	"github.com/livedict/livedict/store"
)

// Errors [Encrypt] and [NewEncryptStage] return for options they cannot use.
var (
	// ErrNoKeyring is matched by the error for EncryptOptions without a
	// Keyring.
	ErrNoKeyring = errors.New("layer: encrypt: no keyring")
	// ErrNoNameKey is matched by the error for EncryptOptions whose NameKey
	// is the zero crypto.Key.
	ErrNoNameKey = errors.New("layer: encrypt: no name key")
)

// EncryptOptions configures [Encrypt]. Keyring and NameKey are required.
type EncryptOptions struct {
	// Keyring seals every value under its primary key and opens values
	// sealed under any of its keys. Rotating keys is done on the keyring
	// (Add, SetPrimary) and finished with [EncryptStage.Rotate].
	Keyring *crypto.Keyring
	// NameKey keys the hash that names records in the next stage (see
	// [crypto.Namer]). It must be a real key, not the zero crypto.Key, and
	// should be a key of its own rather than one of the keyring's. It
	// cannot be rotated: with another NameKey every record is filed under
	// another name, so the records stored before are no longer found by Get
	// and make Scan fail.
	NameKey crypto.Key
	// Store names the store the records belong to. It is bound into every
	// sealed value, so a value copied from one store's backend into
	// another's does not open. It may be empty, but two stores that share
	// a keyring should use distinct names.
	Store string
}

func (o EncryptOptions) validate() error {
	if o.Keyring == nil {
		return ErrNoKeyring
	}
	if o.NameKey == (crypto.Key{}) {
		return ErrNoNameKey
	}
	return nil
}

// Encrypt returns a Layer that encrypts keys and values on their way to the
// next stage and decrypts them on their way back. Each Stage it builds is an
// [*EncryptStage]; see there for what is stored and what each method does.
// Encrypt returns an error matching [ErrNoKeyring] or [ErrNoNameKey] for
// options it cannot use.
//
// To call [EncryptStage.Rotate] later, keep the Stage the Layer returns, or
// build it with [NewEncryptStage] and give it to [Chain] as the backend.
func Encrypt(opts EncryptOptions) (Layer, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	namer := crypto.NewNamer(opts.NameKey)
	return func(next store.Stage) store.Stage {
		return &EncryptStage{ring: opts.Keyring, namer: namer, storeName: opts.Store, next: next}
	}, nil
}

// NewEncryptStage returns an EncryptStage over next, as the Layer [Encrypt]
// returns would build it. It suits a pipeline whose encryption sits right
// above the backend and whose keys are rotated:
//
//	enc, err := layer.NewEncryptStage(backend, opts)
//	...
//	s := layer.Chain(enc, layer.Compress(layer.CompressOptions{}))
//	...
//	n, err := enc.Rotate(ctx, "sessions")
func NewEncryptStage(next store.Stage, opts EncryptOptions) (*EncryptStage, error) {
	l, err := Encrypt(opts)
	if err != nil {
		return nil, err
	}
	return l(next).(*EncryptStage), nil
}

// EncryptStage is the Stage an [Encrypt] layer puts in front of the next
// stage. It implements [store.BatchPutter], [store.Flusher], [store.Pinger]
// and [store.NativeTTL], passing each on to the next stage, or emulating it
// when the next stage lacks it: PutBatch as one Put per record, Flush and
// Ping as nil once the stage is found open and the context live (there is
// nothing more to wait for or check), NativeTTL as false. It is safe for
// concurrent use.
//
// # What the next stage holds
//
// A record (bucket, key, value, expiry) is stored as:
//
//   - Bucket: the bucket, in the clear.
//   - Key: the record's name, 64 lowercase hex digits of an HMAC-SHA256 of
//     bucket and key under a key derived from NameKey ([crypto.Namer]).
//     Clear keys never reach the next stage.
//   - Value: a blob of package crypto sealing an envelope of one version
//     byte (1), the uvarint length of the key, the key and the value. The
//     blob is bound to [crypto.Binding]{Store, Bucket, Key: the name} and
//     to the expiry, so it opens only under the name, bucket and store it
//     was written for (a name stands for exactly one bucket and key) and
//     only with its own expiry.
//   - ExpireAt: the expiry, in the clear, so that the next stage can drop
//     expired records; the blob carries it too, authenticated.
//
// A nonzero expiry before 1970 is stored as one second after the Unix
// epoch, and one after the year 2262 as the latest time a blob can hold;
// both are beyond what a cache can tell apart from the original.
//
// # Reading
//
// Get and Scan open each blob and check that the next stage's ExpireAt is
// the sealed expiry (give or take the millisecond a backend may drop), that
// the sealed key is the one asked for (Get) or the one the name stands for
// (Scan), and that the sealed expiry has not passed. A record the sealed
// expiry says has expired is missing. A record that fails a check gives an
// error matching [ErrCorrupt]: those that fail authentication, or are
// filed under the wrong key or expiry, match [crypto.ErrOpen] too, and
// unparsable blobs [crypto.ErrMalformed]. A blob sealed under a key id the
// keyring does not hold gives an error matching [crypto.ErrUnknownKey]
// only, since that is most often a key removed too early. No error quotes
// a key, a value or plaintext. Scan ends at the first such record.
type EncryptStage struct {
	ring      *crypto.Keyring
	namer     *crypto.Namer
	storeName string
	next      store.Stage
	closed    atomic.Bool

	// stripes keep Rotate from re-putting a record over a newer one written
	// between its read and its write: writes through this stage hold the
	// read lock of their name's stripe, Rotate the write lock.
	stripes [encryptStripes]paddedRWMutex
}

// encryptStripes is the number of write locks; a power of two.
const encryptStripes = 64

type paddedRWMutex struct {
	sync.RWMutex
	// Padding keeps each lock on a 64-byte cache line of its own.
	_ [64 - unsafe.Sizeof(sync.RWMutex{})%64]byte
}

var (
	_ store.Stage       = (*EncryptStage)(nil)
	_ store.BatchPutter = (*EncryptStage)(nil)
	_ store.Flusher     = (*EncryptStage)(nil)
	_ store.Pinger      = (*EncryptStage)(nil)
	_ store.NativeTTL   = (*EncryptStage)(nil)
)

// envelopeVersion starts every sealed envelope, so its layout can change.
const envelopeVersion = 1

// Bounds of the expiries a blob can hold (see crypto.Keyring.Seal).
var (
	minSealedExpiry = time.Unix(1, 0)
	maxSealedExpiry = time.Unix(0, math.MaxInt64)
)

// maxPooledBuffer bounds the buffers kept for reuse, so one huge value
// does not pin its buffer in the pool.
const maxPooledBuffer = 64 << 10

// encryptScratch is the memory one Put, Get or Delete works in: the
// record's name and the buffer its envelope and blob are built in. Both
// would escape to the heap anyway (they are handed to the next stage
// through an interface), so they come from a pool.
type encryptScratch struct {
	name [64]byte
	buf  []byte
}

var encryptScratches = sync.Pool{New: func() any { return new(encryptScratch) }}

func getScratch() *encryptScratch { return encryptScratches.Get().(*encryptScratch) }

func putScratch(sc *encryptScratch) {
	if cap(sc.buf) > maxPooledBuffer {
		sc.buf = nil
	}
	encryptScratches.Put(sc)
}

// scratchName returns the name the record for bucket and key is stored
// under, computed in sc.
func (e *EncryptStage) scratchName(sc *encryptScratch, bucket string, key []byte) []byte {
	return e.namer.AppendName(sc.name[:0], bucket, key)
}

func encErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("layer: encrypt: %s: %w", op, err)
}

func (e *EncryptStage) check(ctx context.Context) error {
	return checkOpen(ctx, e.closed.Load())
}

func (e *EncryptStage) binding(bucket string, name []byte) crypto.Binding {
	return crypto.Binding{Store: e.storeName, Bucket: bucket, Key: name}
}

// stripe returns the lock of name's stripe.
func (e *EncryptStage) stripe(name []byte) *sync.RWMutex {
	return &e.stripes[stripeIndex(name)].RWMutex
}

// stripeIndex reads the first two hex digits of a name. Any bytes give some
// index, so names found in the next stage that are not hex still map to a
// stripe, always the same one.
func stripeIndex(name []byte) int {
	if len(name) < 2 {
		return 0
	}
	return (unhex(name[0])<<4 | unhex(name[1])) & (encryptStripes - 1)
}

func unhex(c byte) int {
	if c >= 'a' {
		return int(c - 'a' + 10)
	}
	return int(c - '0')
}

// sealableExpiry maps t into the range a blob can hold; see EncryptStage.
func sealableExpiry(t time.Time) time.Time {
	switch {
	case t.IsZero():
		return t
	case t.Unix() <= 0:
		return minSealedExpiry
	case t.After(maxSealedExpiry):
		return maxSealedExpiry
	}
	return t
}

// sameExpiry reports whether the next stage's ExpireAt agrees with the
// sealed one, allowing for a backend that keeps milliseconds only.
func sameExpiry(stored, sealed time.Time) bool {
	if stored.IsZero() || sealed.IsZero() {
		return stored.IsZero() == sealed.IsZero()
	}
	d := stored.Sub(sealed)
	return d > -time.Millisecond && d < time.Millisecond
}

// seal returns the blob for r under name, built in the scratch buffer *buf
// (which it may grow), and clears the envelope it sealed.
func (e *EncryptStage) seal(buf *[]byte, r store.Record, name []byte, exp time.Time) ([]byte, error) {
	envLen := 1 + binary.MaxVarintLen64 + len(r.Key) + len(r.Value)
	// Room for the envelope and, after it, the blob, so that sealing
	// needs no allocation of its own.
	b := slices.Grow((*buf)[:0], 2*envLen+64)
	b = append(b, envelopeVersion)
	b = binary.AppendUvarint(b, uint64(len(r.Key)))
	b = append(b, r.Key...)
	b = append(b, r.Value...)
	blob, err := e.ring.Seal(b[len(b):], b, e.binding(r.Bucket, name), exp)
	clear(b)
	*buf = b[:0]
	return blob, err
}

// sealAppend seals r like seal, building the envelope in the scratch
// buffer *buf, but appends the blob to dst, for blobs that must outlive
// the scratch buffer.
func (e *EncryptStage) sealAppend(dst []byte, buf *[]byte, r store.Record, name []byte, exp time.Time) ([]byte, error) {
	b := slices.Grow((*buf)[:0], 1+binary.MaxVarintLen64+len(r.Key)+len(r.Value))
	b = append(b, envelopeVersion)
	b = binary.AppendUvarint(b, uint64(len(r.Key)))
	b = append(b, r.Key...)
	b = append(b, r.Value...)
	out, err := e.ring.Seal(dst, b, e.binding(r.Bucket, name), exp)
	clear(b)
	*buf = b[:0]
	return out, err
}

// sealOverhead bounds what a blob adds to its record's key and value: the
// envelope's version and key length, the blob's header, nonce (24 bytes
// at most) and tag.
const sealOverhead = 1 + binary.MaxVarintLen64 + 14 + 24 + 16

// open opens rec, read from the next stage under bucket and name, and
// returns the record it seals. It returns an error matching
// store.ErrNotFound when the sealed expiry has passed.
//
// It opens rec.Value where it lies: the next stage's records belong to
// the caller, and the plaintext takes the place of the blob.
func (e *EncryptStage) open(bucket string, name []byte, rec store.Record) (store.Record, error) {
	pt, exp, _, err := e.ring.OpenInPlace(rec.Value, e.binding(bucket, name))
	if err != nil {
		if errors.Is(err, crypto.ErrUnknownKey) {
			return store.Record{}, err
		}
		return store.Record{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if !sameExpiry(rec.ExpireAt, exp) {
		clear(pt)
		return store.Record{}, fmt.Errorf("%w: %w: the stored expiry is not the sealed one", ErrCorrupt, crypto.ErrOpen)
	}
	out := store.Record{Bucket: bucket, ExpireAt: exp}
	if out.Expired(time.Now()) {
		clear(pt)
		return store.Record{}, store.ErrNotFound
	}
	out.Key, out.Value, err = parseEnvelope(pt)
	if err != nil {
		clear(pt)
		return store.Record{}, err
	}
	return out, nil
}

// parseEnvelope splits a sealed envelope into its key and value, which
// share pt's memory; the key's capacity ends where the value starts.
func parseEnvelope(pt []byte) (key, value []byte, err error) {
	if len(pt) == 0 || pt[0] != envelopeVersion {
		return nil, nil, fmt.Errorf("%w: unknown envelope version", ErrCorrupt)
	}
	n, w := binary.Uvarint(pt[1:])
	if w <= 0 || n > uint64(len(pt)-1-w) {
		return nil, nil, fmt.Errorf("%w: bad key length in envelope", ErrCorrupt)
	}
	rest := pt[1+w:]
	return rest[:n:n], rest[n:], nil
}

// Put seals r's key and value and stores the blob under r's name.
func (e *EncryptStage) Put(ctx context.Context, r store.Record) error {
	if err := e.check(ctx); err != nil {
		return encErr("put", err)
	}
	sc := getScratch()
	defer putScratch(sc)
	name := e.scratchName(sc, r.Bucket, r.Key)
	exp := sealableExpiry(r.ExpireAt)
	blob, err := e.seal(&sc.buf, r, name, exp)
	if err != nil {
		return encErr("put", err)
	}
	mu := e.stripe(name)
	mu.RLock()
	defer mu.RUnlock()
	// The next stage copies what it keeps, so the blob's buffer can be
	// reused once Put returns.
	return encErr("put", e.next.Put(ctx, store.Record{Bucket: r.Bucket, Key: name, Value: blob, ExpireAt: exp}))
}

// PutBatch seals every record, then stores the blobs with one PutBatch of
// the next stage, or one Put each when it has no PutBatch.
func (e *EncryptStage) PutBatch(ctx context.Context, rs []store.Record) error {
	if err := e.check(ctx); err != nil {
		return encErr("put batch", err)
	}
	if len(rs) == 0 {
		return nil
	}
	// The names and blobs of the batch live in arenas (package
	// internal/arena) until the next stage's PutBatch returns, sealed in
	// parts on several goroutines for a large batch (parallel.go). They
	// are what the next stage stores, so the arenas need no wiping; the
	// envelopes, plaintext, are built in scratch buffers that are.
	sealedp := batchRecords.Get(len(rs))
	defer batchRecords.Put(sealedp)
	sealed := *sealedp
	if parts := partsFor(len(rs)); parts > 1 {
		as, err := encodeParts(len(rs), parts, func(a *arena.Arena, lo, hi int) error {
			return e.sealRange(a, rs[lo:hi], sealed[lo:hi])
		})
		defer freeArenas(as, false)
		if err != nil {
			return encErr("put batch", err)
		}
	} else {
		a := arena.Get()
		defer a.Free(false)
		if err := e.sealRange(a, rs, sealed); err != nil {
			return encErr("put batch", err)
		}
	}
	var locks uint64 // a bit per stripe, so each is read-locked once
	for _, r := range sealed {
		locks |= 1 << stripeIndex(r.Key)
	}
	// Locking in ascending order, each stripe once, cannot deadlock with
	// another batch, and Rotate holds one stripe at a time.
	for i := range encryptStripes {
		if locks&(1<<i) != 0 {
			e.stripes[i].RLock()
		}
	}
	defer func() {
		for i := range encryptStripes {
			if locks&(1<<i) != 0 {
				e.stripes[i].RUnlock()
			}
		}
	}()
	return encErr("put batch", store.PutBatch(ctx, e.next, sealed))
}

// sealRange seals each record of rs into sealed, names and blobs in
// memory from a.
func (e *EncryptStage) sealRange(a *arena.Arena, rs, sealed []store.Record) error {
	sc := getScratch()
	defer putScratch(sc)
	for i, r := range rs {
		room := a.Room(64)
		name := a.Keep(room, e.namer.AppendName(room, r.Bucket, r.Key))
		exp := sealableExpiry(r.ExpireAt)
		room = a.Room(len(r.Key) + len(r.Value) + sealOverhead)
		blob, err := e.sealAppend(room, &sc.buf, r, name, exp)
		if err != nil {
			return err
		}
		sealed[i] = store.Record{Bucket: r.Bucket, Key: name, Value: a.Keep(room, blob), ExpireAt: exp}
	}
	return nil
}

// Get reads the record for bucket and key from under its name, opens it and
// checks it; see [EncryptStage] for the checks.
func (e *EncryptStage) Get(ctx context.Context, bucket string, key []byte) (store.Record, error) {
	if err := e.check(ctx); err != nil {
		return store.Record{}, encErr("get", err)
	}
	sc := getScratch()
	defer putScratch(sc)
	name := e.scratchName(sc, bucket, key)
	rec, err := e.next.Get(ctx, bucket, name)
	if err != nil {
		return store.Record{}, encErr("get", err)
	}
	out, err := e.open(bucket, name, rec)
	if err != nil {
		return store.Record{}, encErr("get", err)
	}
	if !bytes.Equal(out.Key, key) {
		clear(out.Key)
		clear(out.Value)
		return store.Record{}, encErr("get", fmt.Errorf("%w: %w: the record holds another key", ErrCorrupt, crypto.ErrOpen))
	}
	return out, nil
}

// Delete removes the record stored under the name of bucket and key.
func (e *EncryptStage) Delete(ctx context.Context, bucket string, key []byte) error {
	if err := e.check(ctx); err != nil {
		return encErr("delete", err)
	}
	sc := getScratch()
	defer putScratch(sc)
	name := e.scratchName(sc, bucket, key)
	mu := e.stripe(name)
	mu.RLock()
	defer mu.RUnlock()
	return encErr("delete", e.next.Delete(ctx, bucket, name))
}

// Scan yields every unexpired record of bucket with its clear key and
// value, opening each blob the next stage yields; this is how a store
// recovers its keys when it starts. A record that does not open, or whose
// name is not its key's name (as when NameKey has changed), is yielded as
// a [*store.RecordError] naming its storage name, and the scan goes on; so
// does a RecordError of the next stage, whose key is a storage name and
// becomes its Name. Any other error of the next stage ends the sequence.
func (e *EncryptStage) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		if err := e.check(ctx); err != nil {
			yield(store.Record{}, encErr("scan", err))
			return
		}
		for rec, err := range e.next.Scan(ctx, bucket) {
			if err != nil {
				if !store.IsRecordError(err) {
					yield(store.Record{}, encErr("scan", err))
					return
				}
				if re := store.AsRecordError(err); re != nil && re.Name == nil {
					re.Name, re.Key = re.Key, nil
				}
				if !yield(store.Record{}, encErr("scan", err)) {
					return
				}
				continue
			}
			out, err := e.open(bucket, rec.Key, rec)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			var own [64]byte
			if err == nil && !bytes.Equal(e.namer.AppendName(own[:0], bucket, out.Key), rec.Key) {
				clear(out.Key)
				clear(out.Value)
				err = fmt.Errorf("%w: a record is stored under a name that is not its key's (was NameKey changed?)", ErrCorrupt)
			}
			if err != nil {
				err = &store.RecordError{Bucket: bucket, Name: rec.Key, Err: err}
				if !yield(store.Record{}, encErr("scan", err)) {
					return
				}
				continue
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// Rotate reseals every record of bucket that is not sealed under the
// keyring's primary key, with [crypto.Keyring.Reseal], and returns how many
// it rewrote. It is the step of a key rotation between making a new key
// primary and removing the old one:
//
//	ring.Add(2, newKey)
//	ring.SetPrimary(2)
//	n, err := enc.Rotate(ctx, bucket) // for every bucket
//	ring.Remove(1)
//
// Rotate first scans the next stage for the names of the records to reseal
// (holding them in memory, about 100 bytes each), then reads, reseals and
// rewrites each in turn, keeping its expiry. A record put or deleted
// through this stage meanwhile is never overwritten with an older value:
// each read-reseal-write holds a lock that such writes wait for. Writers
// to the same backend through another stage (another process) get no such
// protection; stop them, or make them write under the new primary before
// Rotate runs.
//
// Rotate is idempotent: records already under the primary are left alone,
// so after an interruption (a cancelled context, a crash) running it again
// finishes the work. A record it cannot reseal (damaged, or sealed under a
// key no longer in the keyring) is skipped and reported: Rotate goes on
// with the others and then returns the count along with an error that
// joins one [*store.RecordError] per such record, naming its storage name
// (a hash, not the key) and matching [store.ErrCorrupt]. Such a
// record must be deleted from the backend by that name; until then the old
// key cannot be retired without leaving it unreadable. A failure of the
// next stage, or the end of ctx, stops Rotate and is returned, joined with
// the records skipped so far.
func (e *EncryptStage) Rotate(ctx context.Context, bucket string) (n int, err error) {
	if err := e.check(ctx); err != nil {
		return 0, encErr("rotate", err)
	}
	primary := e.ring.Primary()
	var names [][]byte
	var skipped []error
	for rec, err := range e.next.Scan(ctx, bucket) {
		if err != nil {
			if !store.IsRecordError(err) {
				return 0, errors.Join(append(skipped, encErr("rotate", err))...)
			}
			if re := store.AsRecordError(err); re != nil && re.Name == nil {
				re.Name, re.Key = re.Key, nil
			}
			skipped = append(skipped, encErr("rotate", err))
			continue
		}
		if !sealedUnder(rec.Value, primary) {
			names = append(names, rec.Key)
		}
	}
	for _, name := range names {
		if err := e.check(ctx); err != nil {
			return n, errors.Join(append(skipped, encErr("rotate", err))...)
		}
		done, err := e.reseal(ctx, bucket, name)
		switch {
		case err == nil:
		case errors.Is(err, crypto.ErrUnknownKey) || errors.Is(err, ErrCorrupt):
			skipped = append(skipped, encErr("rotate", &store.RecordError{Bucket: bucket, Name: name, Err: err}))
			continue
		default:
			return n, errors.Join(append(skipped, encErr("rotate", fmt.Errorf("record %q: %w", name, err)))...)
		}
		if done {
			n++
		}
	}
	return n, errors.Join(skipped...)
}

// reseal rewrites the record under name with its blob sealed under the
// primary key, and reports whether it did.
func (e *EncryptStage) reseal(ctx context.Context, bucket string, name []byte) (bool, error) {
	mu := e.stripe(name)
	mu.Lock()
	defer mu.Unlock()
	rec, err := e.next.Get(ctx, bucket, name)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil // deleted or expired since the scan
	}
	if err != nil {
		return false, err
	}
	if sealedUnder(rec.Value, e.ring.Primary()) {
		return false, nil // rewritten since the scan
	}
	blob, err := e.ring.Reseal(nil, rec.Value, e.binding(bucket, name))
	if err != nil {
		if !errors.Is(err, crypto.ErrUnknownKey) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return false, err
	}
	rec.Value = blob
	if err := e.next.Put(ctx, rec); err != nil {
		return false, err
	}
	return true, nil
}

// sealedUnder reports whether blob is a version 1 blob naming key id as
// its sealer, reading the header that crypto's package documentation
// lays out (version, algorithm, 4-byte big-endian key id). It does not
// authenticate the blob.
func sealedUnder(blob []byte, id uint32) bool {
	return len(blob) >= 6 && blob[0] == 1 && binary.BigEndian.Uint32(blob[2:6]) == id
}

// Flush passes Flush on to the next stage; see [EncryptStage].
func (e *EncryptStage) Flush(ctx context.Context) error {
	if err := e.check(ctx); err != nil {
		return encErr("flush", err)
	}
	return encErr("flush", capFlush(ctx, e.next))
}

// Ping passes Ping on to the next stage; see [EncryptStage].
func (e *EncryptStage) Ping(ctx context.Context) error {
	if err := e.check(ctx); err != nil {
		return encErr("ping", err)
	}
	return encErr("ping", capPing(ctx, e.next))
}

// NativeTTL reports the next stage's NativeTTL: the next stage holds each
// record's expiry in the clear, so it can drop expired records itself.
func (e *EncryptStage) NativeTTL() bool { return capNativeTTL(e.next) }

// Close closes the next stage. Later calls return nil.
func (e *EncryptStage) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	return encErr("close", e.next.Close())
}

// encryptRedacted is how an EncryptStage prints: it holds a keyring and a
// naming key, and shows neither.
const encryptRedacted = "layer.EncryptStage(redacted)"

// String returns "layer.EncryptStage(redacted)".
func (e *EncryptStage) String() string { return encryptRedacted }

// GoString returns "layer.EncryptStage(redacted)", so %#v hides the keys.
func (e *EncryptStage) GoString() string { return encryptRedacted }

// Format writes "layer.EncryptStage(redacted)" for every fmt verb.
func (e *EncryptStage) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(encryptRedacted)) }

// LogValue returns "layer.EncryptStage(redacted)", so slog logs no key.
func (e *EncryptStage) LogValue() slog.Value { return slog.StringValue(encryptRedacted) }

// MarshalJSON returns the JSON string "layer.EncryptStage(redacted)".
func (e *EncryptStage) MarshalJSON() ([]byte, error) { return []byte(`"` + encryptRedacted + `"`), nil }
