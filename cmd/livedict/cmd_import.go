package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/store"
)

// maxLine bounds one line of an import: a record's value may be large,
// but not without bound.
const maxLine = 64 << 20

// importBatch is how many records go to the backend at once.
const importBatch = 256

var importCommand = &command{
	name:    "import",
	args:    "[flags]",
	summary: "read records from JSON lines written by export",
	help: `Reads records in the format export writes (one JSON object per line; blank
lines are skipped) from -i FILE or stdin and writes them to the configured
store's backend, replacing records with the same bucket and key. Records
whose expire_at has passed are skipped.

Every line is checked before it is written: a bad line stops the import
with its line number and the reason; every line before it has been
imported, and importing the same file again is harmless. --check checks
the whole input and writes nothing.

With --sealed, the lines must come from export --sealed: the blobs are
written as they are, never decrypted, after checking that the keyring holds
the key id and algorithm each was sealed with. The store must have the
same name, name key and keys as the one exported, or the records will not
open; --verify checks that too, by authenticating each blob in memory
before writing it (recommended with --check first).

Examples:
  livedict import -i backup.jsonl
  livedict import --sealed --verify --check -i sessions.sealed.jsonl`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		sealed := fs.Bool("sealed", false, "import sealed records written by export --sealed")
		in := fs.String("i", "", "read from `FILE` instead of stdin")
		check := fs.Bool("check", false, "check every line, write nothing")
		verify := fs.Bool("verify", false, "with --sealed: authenticate every blob with the store's keys, name and name key before writing it (decrypted in memory only)")
		return func(ctx context.Context, args []string) (err error) {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			r := e.stdin
			if *in != "" {
				f, err := os.Open(*in)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			s, err := e.open(ctx, openOptions{values: !*sealed, rawValues: true})
			if err != nil {
				return err
			}
			defer s.closeInto(&err)
			if *verify && !*sealed {
				return usageErr("--verify goes with --sealed: plain records are always checked")
			}
			if *sealed && s.ring == nil {
				return errors.New("the store is plaintext: it cannot hold sealed records (import without --sealed)")
			}
			pr := e.newProgress("imported", -1)
			im := &importer{s: s, sealed: *sealed, verify: *verify, check: *check, keyType: e.g.keyType, pr: pr}
			if err := im.run(ctx, r); err != nil {
				pr.stop()
				return err
			}
			pr.finish()
			verb := "imported"
			if *check {
				verb = "checked, nothing written:"
			}
			_, err = fmt.Fprintf(e.stdout, "%s %d records (%d expired, skipped)\n", verb, im.written, im.expired)
			return err
		}
	},
}

// importer writes the records of an import.
type importer struct {
	s       *session
	sealed  bool
	verify  bool
	check   bool
	keyType string
	pr      progress

	batch   []store.Record
	written int64
	expired int64
}

func (im *importer) run(ctx context.Context, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := ctx.Err(); err != nil {
			return err
		}
		data := sc.Bytes()
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		rec, err := im.record(data)
		if err != nil {
			// Everything before the bad line goes in, so that the report
			// below is exact.
			if ferr := im.flush(ctx); ferr != nil {
				return ferr
			}
			return fmt.Errorf("line %d: %w; the %d records before it were %s", n, err, im.written, im.doneVerb())
		}
		if rec == nil {
			im.expired++
			continue
		}
		im.batch = append(im.batch, *rec)
		if len(im.batch) == importBatch {
			if err := im.flush(ctx); err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("longer than %d MiB", maxLine>>20)
		}
		if ferr := im.flush(ctx); ferr != nil {
			return ferr
		}
		return fmt.Errorf("line %d: %w; the %d records before it were %s", n+1, err, im.written, im.doneVerb())
	}
	return im.flush(ctx)
}

func (im *importer) doneVerb() string {
	if im.check {
		return "good (nothing was written)"
	}
	return "imported"
}

// record checks one line and returns the record to write, or nil for an
// expired one.
func (im *importer) record(data []byte) (*store.Record, error) {
	s := im.s
	p, err := parseLine(data, im.keyType, im.sealed)
	if err != nil {
		return nil, err
	}
	if err := requirePersisted(s.cfg, p.bucket); err != nil {
		return nil, err
	}
	if !p.expireAt.IsZero() && !p.expireAt.After(time.Now()) {
		return nil, nil
	}
	if im.sealed {
		if err := checkBlob(s.ring, p.blob); err != nil {
			return nil, err
		}
		if im.verify {
			if err := verifyBlob(s.ring, s.namer, s.storeName(), p.bucket, p.key, p.blob); err != nil {
				return nil, err
			}
		}
		return &store.Record{Bucket: p.bucket, Key: []byte(p.key), Value: p.blob, ExpireAt: p.expireAt}, nil
	}
	kb, err := s.keys.EncodeKey(nil, p.key)
	if err != nil {
		return nil, badLine("key: %v", err)
	}
	vb, err := s.plainValue(p)
	if err != nil {
		return nil, err
	}
	return &store.Record{Bucket: p.bucket, Key: kb, Value: vb, ExpireAt: p.expireAt}, nil
}

// plainValue returns the bytes to store for a plain record's value: raw as
// it is, when the line has it, once checked to be of this store's codec
// and still rendered by value (so that an edit of value is never dropped
// in silence); value encoded by the codec otherwise.
func (s *session) plainValue(p parsedRecord) ([]byte, error) {
	codecName := s.codecName()
	if p.raw == nil {
		if codecName == config.CodecGob {
			return nil, badLine("value: this store's codec is gob, which livedict cannot encode: only lines with raw (from export of a gob store) can be imported")
		}
		vb, err := s.values.Encode(nil, p.value)
		if err != nil {
			return nil, badLine("value: %v", err)
		}
		return vb, nil
	}
	if p.codec != codecName {
		return nil, badLine("raw: written by the %s codec, but this store's codec is %s (remove raw and codec to import the value as JSON)", p.codec, codecName)
	}
	if codecName == config.CodecGob {
		return p.raw, nil
	}
	v, err := s.values.Decode(p.raw)
	if err != nil {
		return nil, badLine("raw: does not decode as %s: %v", codecName, err)
	}
	shown, err := toJSON(v)
	if err != nil {
		return nil, badLine("raw: %v", err)
	}
	if !sameJSON(shown, p.valueJSON) {
		return nil, badLine("value does not match raw (was it edited?): remove raw and codec to import the edited value, or restore it")
	}
	return p.raw, nil
}

// sameJSON reports whether two JSON texts hold the same value, as import
// reads values: object key order and spacing do not count.
func sameJSON(a, b []byte) bool {
	x, err := fromJSON(a)
	if err != nil {
		return false
	}
	y, err := fromJSON(b)
	if err != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// flush writes the batch: sealed records to the raw backend, plain ones
// through the pipeline, which compresses and seals them.
func (im *importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	if !im.check {
		dst := im.s.pipe
		if im.sealed {
			dst = im.s.raw
		}
		if err := putAll(ctx, dst, im.batch); err != nil {
			return err
		}
	}
	im.written += int64(len(im.batch))
	im.pr.set(im.written)
	im.batch = im.batch[:0]
	return nil
}

// putAll stores rs with one PutBatch when dst has it.
func putAll(ctx context.Context, dst store.Stage, rs []store.Record) error {
	if bp, ok := dst.(store.BatchPutter); ok {
		return bp.PutBatch(ctx, rs)
	}
	for _, r := range rs {
		if err := dst.Put(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
