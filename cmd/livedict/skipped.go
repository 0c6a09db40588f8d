package main

import (
	"fmt"
	"strconv"

	"github.com/livedict/livedict/store"
)

// skipReport is how keys and export skip a record they cannot read: each
// is named on stderr by bucket and storage name, never by key, the command
// goes on, and it ends with exit code 5 (exitSkipped).
type skipReport struct {
	e *env
	s *session
	n int
}

// add reports one record read through the pipeline: err wraps a
// *store.RecordError, or is the failure of decoding the record whose key
// is kb (as the pipeline gives it, in the clear).
func (r *skipReport) add(bucket string, kb []byte, err error) {
	var name []byte
	cause := err
	if re := store.AsRecordError(err); re != nil {
		cause = re.Err
		if name = re.Name; name == nil {
			name = r.s.storageName(bucket, re.Key)
		}
	} else if kb != nil {
		name = r.s.storageName(bucket, kb)
	}
	r.report(bucket, name, cause)
}

// addRaw reports one record read from the backend below every layer,
// whose key is its storage name already.
func (r *skipReport) addRaw(bucket string, name []byte, err error) {
	cause := err
	if re := store.AsRecordError(err); re != nil {
		cause = re.Err
		if name = re.Name; name == nil {
			name = re.Key
		}
	}
	r.report(bucket, name, cause)
}

func (r *skipReport) report(bucket string, name []byte, cause error) {
	r.n++
	shown := "unknown (the cause names it)"
	if name != nil {
		shown = showName(name)
	}
	fmt.Fprintln(r.e.stderr, errorLine(r.e.cmd.name, fmt.Errorf("skipped a record that cannot be read: bucket %s, storage name %s: %v", showBucket(bucket), shown, cause)))
}

// err is the command's result once done: nil when nothing was skipped.
func (r *skipReport) err() error {
	if r.n == 0 {
		return nil
	}
	return &codedError{code: exitSkipped, err: fmt.Errorf("completed, but skipped %d records that cannot be read (named above); delete one with livedict del --bucket B --storage-name NAME", r.n)}
}

// storageName returns the name the backend files key of bucket under: its
// keyed hash in an encrypted store, the key itself in a plaintext one.
func (s *session) storageName(bucket string, key []byte) []byte {
	if s.namer == nil {
		return key
	}
	return []byte(s.namer.Name(bucket, key))
}

// showName prints a storage name: bare when it is the 64 hex digits of an
// encrypted store, else quoted as Go does, which any byte survives and
// del --storage-name reads back.
func showName(name []byte) string {
	if isStorageName(string(name)) {
		return string(name)
	}
	return strconv.Quote(string(name))
}

// parseName reads a storage name as showName prints it.
func parseName(s string) ([]byte, error) {
	if len(s) > 0 && s[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			return nil, usageErr("--storage-name: a quoted name must be a Go string literal, as livedict prints it")
		}
		return []byte(u), nil
	}
	return []byte(s), nil
}
