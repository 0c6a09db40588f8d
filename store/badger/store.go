package badger

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	bdg "github.com/dgraph-io/badger/v4"
	"github.com/livedict/livedict/store"
)

// Store is a [store.Stage] over a Badger database in one directory. It also
// implements [store.BatchPutter], [store.NativeTTL] and [store.Pinger], and
// is safe for concurrent use. Open one with [Open] or [OpenURL].
type Store struct {
	db       *bdg.DB
	maxValue int64 // longest stored value (header included) Badger accepts

	// gate is entered around every use of db and closed by Close, so db
	// is never used while or after it closes. No call stays in it while
	// code of the caller runs (Scan yields between pages).
	gate store.Gate

	closeOnce sync.Once
	closeErr  error

	gc *gcRunner // nil when value log GC is disabled
}

// Interfaces Store promises to implement.
var (
	_ store.Stage       = (*Store)(nil)
	_ store.BatchPutter = (*Store)(nil)
	_ store.NativeTTL   = (*Store)(nil)
	_ store.Pinger      = (*Store)(nil)
)

// Open opens the Badger database in dir, creating the directory and the
// database if they do not exist, with opts (nil means the defaults). The
// directory stays locked until Close: a second Open of it, in this process
// or another, fails with an error matching [ErrLocked].
func Open(dir string, opts *Options) (*Store, error) {
	return open(dir, opts, nil)
}

// open is Open with a hook for tests, called after each round of value log
// GC.
func open(dir string, opts *Options, gcPassed func()) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: empty directory", ErrInvalidOptions)
	}
	if opts == nil {
		opts = &Options{}
	}
	bo, err := opts.badgerOptions(dir)
	if err != nil {
		return nil, err
	}
	if err := verifyTables(bo); err != nil {
		return nil, err
	}
	db, err := openDB(bo)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, maxValue: bo.ValueLogFileSize}
	if every := opts.gcInterval(); every > 0 {
		s.gc = startGC(every, s.runGC, slogAdapter{opts.Logger}, gcPassed)
	}
	return s, nil
}

// openDB opens Badger and classifies its errors. Badger panics on some
// option combinations (compression without a block cache) and flattens the
// errors it wraps to text, hence the recover and the string match.
func openDB(bo bdg.Options) (db *bdg.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("%w: %v", ErrInvalidOptions, p)
		}
	}()
	db, err = bdg.Open(bo)
	if err == nil {
		return db, nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Cannot acquire directory lock"):
		return nil, fmt.Errorf("%w: %q is open elsewhere", ErrLocked, bo.Dir)
	case errors.Is(err, bdg.ErrValueLogSize), strings.HasPrefix(msg, "Invalid "),
		strings.Contains(msg, "Valuethreshold"), strings.Contains(msg, "compactor"):
		return nil, fmt.Errorf("%w: %v", ErrInvalidOptions, err)
	}
	return nil, fmt.Errorf("badger: open %q: %w", bo.Dir, err)
}

// DB returns the Badger database, for what this package does not offer
// (backups, statistics, running value log GC on a schedule of one's own).
// The key and value layout is internal: do not write through it, and do not
// close it; use it only while the Store is open.
func (s *Store) DB() *bdg.DB { return s.db }

// begin makes the open and context checks every method starts with; when
// they pass, the caller must call s.gate.Leave.
func (s *Store) begin(ctx context.Context) error { return s.gate.Enter(ctx) }

// entry builds the Badger entry for r in e, appending its key, and its
// value when that needs an expiry header, to buf, which it returns. It
// rejects what Badger cannot hold before Badger does:
// Badger's own errors quote a hex dump of the key or value.
func (s *Store) entry(e *bdg.Entry, buf []byte, r store.Record) ([]byte, error) {
	start := len(buf)
	buf = appendBucketPrefix(buf, r.Bucket)
	buf = append(buf, r.Key...)
	k := buf[start:len(buf):len(buf)]
	if len(k) > maxBadgerKey {
		return buf[:start], fmt.Errorf("%w: key of %d bytes in a bucket of %d bytes exceeds Badger's %d-byte key limit",
			ErrTooLarge, len(r.Key), len(r.Bucket), maxBadgerKey)
	}
	v, buf, meta, exp := appendValue(buf, r)
	if int64(len(v)) > s.maxValue {
		return buf[:start], fmt.Errorf("%w: value of %d bytes exceeds the value log file size %d",
			ErrTooLarge, len(r.Value), s.maxValue)
	}
	*e = bdg.Entry{Key: k, Value: v, UserMeta: meta, ExpiresAt: exp}
	return buf, nil
}

// Put stores r. When it returns nil the record is in Badger's write-ahead
// log, synced to disk unless [Options.NoSync] is set. Badger copies the
// record into its own memory before the commit returns.
func (s *Store) Put(ctx context.Context, r store.Record) (err error) {
	defer recovered(&err, "put")
	if err := s.begin(ctx); err != nil {
		return wrap("put", err)
	}
	defer s.gate.Leave()
	e := new(bdg.Entry)
	if _, err := s.entry(e, nil, r); err != nil {
		return wrap("put", err)
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	if err := txn.SetEntry(e); err != nil {
		return wrap("put", tooBig(err))
	}
	return wrap("put", txn.Commit())
}

// PutBatch stores rs in as few Badger transactions as fit: one, unless the
// batch exceeds the transaction limit (15% of [Options.MemTableSize]), in
// which case it commits each full transaction and goes on with the next,
// checking ctx between them. Every record is validated before anything is
// written, so a batch holding a record that is too large writes nothing.
// Records that repeat a key are applied in order: the last one wins.
func (s *Store) PutBatch(ctx context.Context, rs []store.Record) (err error) {
	defer recovered(&err, "put batch")
	if err := s.begin(ctx); err != nil {
		return wrap("put batch", err)
	}
	defer s.gate.Leave()
	if len(rs) == 0 {
		return nil
	}
	// One allocation for the entries and one for all their keys and the
	// values that take an expiry header (Badger copies both before the
	// commit returns).
	es := make([]bdg.Entry, len(rs))
	n := 0
	for _, r := range rs {
		n += 1 + binary.MaxVarintLen64 + len(r.Bucket) + len(r.Key)
		if !r.ExpireAt.IsZero() {
			n += expiryHeaderLen + len(r.Value)
		}
	}
	buf := make([]byte, 0, n)
	for i, r := range rs {
		var err error
		if buf, err = s.entry(&es[i], buf, r); err != nil {
			return wrap("put batch", fmt.Errorf("record %d: %w", i, err))
		}
	}
	return wrap("put batch", s.commitEntries(ctx, es))
}

// commitEntries writes es in order, splitting on ErrTxnTooBig.
func (s *Store) commitEntries(ctx context.Context, es []bdg.Entry) error {
	txn := s.db.NewTransaction(true)
	defer func() { txn.Discard() }() // the txn in use when we return
	inTxn := 0
	for i := 0; i < len(es); {
		err := txn.SetEntry(&es[i])
		if err == nil {
			i++
			inTxn++
			continue
		}
		if !errors.Is(err, bdg.ErrTxnTooBig) || inTxn == 0 {
			return tooBig(err)
		}
		if err := txn.Commit(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		txn, inTxn = s.db.NewTransaction(true), 0
	}
	return txn.Commit()
}

// tooBig maps Badger's "transaction too big" for a single entry, which only
// Tune can make possible, to ErrTooLarge.
func tooBig(err error) error {
	if errors.Is(err, bdg.ErrTxnTooBig) {
		return fmt.Errorf("%w: one record exceeds Badger's transaction size", ErrTooLarge)
	}
	return err
}

// Get returns the record for bucket and key, or an error matching
// [store.ErrNotFound] when there is none or its ExpireAt has passed.
func (s *Store) Get(ctx context.Context, bucket string, key []byte) (_ store.Record, err error) {
	defer recovered(&err, "get")
	if err := s.begin(ctx); err != nil {
		return store.Record{}, wrap("get", err)
	}
	defer s.gate.Leave()
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	item, err := txn.Get(recordKey(bucket, key))
	if err != nil {
		return store.Record{}, wrap("get", err)
	}
	r, err := readItem(item, bucket, key)
	if err != nil {
		return store.Record{}, wrap("get", err)
	}
	if expired(r.ExpireAt, time.Now()) {
		return store.Record{}, wrap("get", store.ErrNotFound)
	}
	return r, nil
}

// readItem decodes item into a record of bucket and key whose slices are
// fresh copies.
func readItem(item *bdg.Item, bucket string, key []byte) (store.Record, error) {
	r := store.Record{Bucket: bucket, Key: bytes.Clone(key)}
	err := item.Value(func(raw []byte) error {
		v, exp, err := decodeValue(item.UserMeta(), raw)
		if err != nil {
			return err
		}
		r.Value = bytes.Clone(v)
		r.ExpireAt = exp
		return nil
	})
	if r.Key == nil {
		r.Key = []byte{}
	}
	return r, err
}

// Delete removes the record for bucket and key; a missing record is not an
// error. It is as durable as Put.
func (s *Store) Delete(ctx context.Context, bucket string, key []byte) (err error) {
	defer recovered(&err, "delete")
	if err := s.begin(ctx); err != nil {
		return wrap("delete", err)
	}
	defer s.gate.Leave()
	k := recordKey(bucket, key)
	if len(k) > maxBadgerKey {
		return nil // Put refuses such keys, so there is nothing to delete
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	if err := txn.Delete(k); err != nil {
		return wrap("delete", err)
	}
	return wrap("delete", txn.Commit())
}

// Scan pages: no lock or Badger transaction is held while the caller's loop
// body runs, so the body may call any method, Close included.
const (
	scanPageRecords = 256
	scanPageBytes   = 4 << 20
	scanPageVisits  = 4096 // expired records skipped count too
)

// Scan yields every unexpired record of bucket in key order. It reads the
// bucket a page at a time, each page in a Badger read transaction of its
// own, so records written during the scan may or may not be seen, and a
// long scan neither pins old versions nor blocks Close. The open and
// context checks are made before each page; a failure is yielded once, with
// a zero record, and ends the sequence, except for a stored value this
// package could not have written: that one is yielded as a Record with
// only Bucket set and an error matching [ErrCorrupt] (a [*store.RecordError]
// holding its key), and the scan goes on.
func (s *Store) Scan(ctx context.Context, bucket string) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		prefix := bucketPrefix(bucket)
		seek := prefix
		for {
			page, next, err := s.scanPage(ctx, bucket, prefix, seek)
			for _, it := range page {
				r := it.rec
				if it.err != nil {
					r = store.Record{Bucket: bucket}
				}
				if !yield(r, it.err) {
					return
				}
			}
			if err != nil {
				yield(store.Record{}, wrap("scan", err))
				return
			}
			if next == nil {
				return
			}
			seek = next
		}
	}
}

// scanPage reads records of bucket from seek on. It returns the records
// and where the next page starts, nil when the bucket is done.
func (s *Store) scanPage(ctx context.Context, bucket string, prefix, seek []byte) (page []pageItem, next []byte, err error) {
	defer recovered(&err, "scan")
	if err := s.begin(ctx); err != nil {
		return nil, nil, err
	}
	defer s.gate.Leave()
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(bdg.IteratorOptions{Prefix: prefix})
	defer it.Close()
	now := time.Now()
	size, visits := 0, 0
	for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
		if len(page) == scanPageRecords || size >= scanPageBytes || visits == scanPageVisits {
			return page, it.Item().KeyCopy(nil), nil
		}
		visits++
		item := it.Item()
		r, err := readItem(item, bucket, item.Key()[len(prefix):])
		if errors.Is(err, ErrCorrupt) {
			page = append(page, pageItem{err: wrap("scan", &store.RecordError{Bucket: bucket, Key: r.Key, Err: err})})
			continue
		}
		if err != nil {
			return page, nil, err
		}
		if expired(r.ExpireAt, now) {
			continue
		}
		size += len(r.Key) + len(r.Value)
		page = append(page, pageItem{rec: r})
	}
	return page, nil, nil
}

// pageItem is one record of a Scan page, or the error of one stored value.
type pageItem struct {
	rec store.Record
	err error
}

// NativeTTL reports true: Badger drops expired records itself, in
// compactions and value log GC, and Get and Scan never return them.
func (s *Store) NativeTTL() bool { return true }

// Ping checks that the store is open and Badger answers a read.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer recovered(&err, "ping")
	if err := s.begin(ctx); err != nil {
		return wrap("ping", err)
	}
	defer s.gate.Leave()
	if s.db.IsClosed() {
		return wrap("ping", store.ErrClosed)
	}
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	// A key outside the record space: present or not, reading it
	// exercises Badger's read path.
	if _, err := txn.Get([]byte{0}); err != nil && !errors.Is(err, bdg.ErrKeyNotFound) {
		return wrap("ping", err)
	}
	return nil
}

// Close stops value log GC, waits for calls in progress, and closes Badger,
// which flushes its memtable and releases the directory lock, so the
// directory can be opened again at once. The first Close returns Badger's
// error, if any; later calls return nil. Every other method then fails with
// an error matching [store.ErrClosed].
func (s *Store) Close() (err error) {
	defer recovered(&err, "close")
	first := false
	s.closeOnce.Do(func() {
		first = true
		if s.gc != nil {
			s.gc.stop()
		}
		s.gate.Close()
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("badger: close: %w", err)
		}
	})
	if !first {
		return nil
	}
	return s.closeErr
}
