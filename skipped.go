package livedict

import (
	"errors"
	"fmt"
	"strings"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

// ErrCorrupt is store.ErrCorrupt, re-exported: it is matched by the error
// of one persisted record that cannot be read (it does not open, does not
// decode, is filed under another key's name, or its stored bytes are
// damaged), and so by a [*SkippedError].
var ErrCorrupt = store.ErrCorrupt

// SkippedError is what Warm and Rotate return when they went through every
// record the backend holds but could not read some of them: each such
// record was skipped (and reported to Persist.OnError), the others were
// loaded or re-sealed. Records lists them, one [*store.RecordError] each,
// by bucket and storage name (the name the backend files the record under,
// never the key); delete a record by that name (livedict del
// --storage-name) or repair it. It matches ErrCorrupt, and each
// record's own cause (crypto.ErrUnknownKey for a record sealed under a key
// the keyring no longer holds, for example).
//
// An operation that stopped early (a backend failure, the end of its
// context) returns that failure instead, joined with the SkippedError of
// the records skipped before it: the error is a *SkippedError itself
// exactly when every record was visited.
type SkippedError struct {
	Op      string // "warm" or "rotate"
	Done    int    // records the operation loaded or re-sealed
	Records []*store.RecordError
}

// maxShown bounds the records an error message names; Records has all.
const maxShown = 5

// Error says how many records were skipped and names the first few.
func (e *SkippedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "livedict: %s: skipped %d unreadable records (%d done)", e.Op, len(e.Records), e.Done)
	for i, r := range e.Records {
		if i == maxShown {
			fmt.Fprintf(&b, "; and %d more", len(e.Records)-maxShown)
			break
		}
		b.WriteString("; ")
		b.WriteString(r.Error())
	}
	return b.String()
}

// Unwrap returns ErrCorrupt and the error of each record.
func (e *SkippedError) Unwrap() []error {
	errs := make([]error, 0, len(e.Records)+1)
	errs = append(errs, ErrCorrupt)
	for _, r := range e.Records {
		errs = append(errs, r)
	}
	return errs
}

// skips collects the records an operation skipped.
type skips struct {
	op      string
	records []*store.RecordError
}

// add records re, reporting it to Persist.OnError and counting it in
// Stats.PersistErrors, once each.
func (s *skips) add(report func(error), re *store.RecordError) {
	s.records = append(s.records, re)
	report(re)
}

// err returns the SkippedError for what was collected, or nil, joined
// with failure (which may be nil).
func (s *skips) err(done int, failure error) error {
	if len(s.records) == 0 {
		return failure
	}
	se := &SkippedError{Op: s.op, Done: done, Records: s.records}
	if failure == nil {
		return se
	}
	return errors.Join(failure, se)
}

// storageName fills in re.Name, the name the backend files the record
// under, from re.Key, the key as the top of the pipeline sees it: its
// keyed hash when the store encrypts, the key itself when it does not.
// Key is cleared, so that the error holds no key material.
func (p *persister[K, V]) storageName(re *store.RecordError) {
	if re.Name != nil || re.Key == nil {
		re.Key = nil
		return
	}
	if p.cfg.Plaintext {
		re.Name = re.Key
	} else {
		re.Name = crypto.NewNamer(p.cfg.NameKey).AppendName(nil, re.Bucket, re.Key)
	}
	re.Key = nil
}

// recordError returns the RecordError for err, one record's failure at
// the top of the pipeline, with its storage name.
func (p *persister[K, V]) recordError(bucket string, kb []byte, err error) *store.RecordError {
	if re := store.AsRecordError(err); re != nil {
		p.storageName(re)
		return re
	}
	re := &store.RecordError{Bucket: bucket, Key: kb, Err: err}
	p.storageName(re)
	return re
}
