package fs

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/livedict/livedict/store"
)

var errInjected = errors.New("injected fsync failure")

// syncLog records the fsyncs a Store makes and fails those that fail
// chooses. It is safe for the parallel syncs of PutBatch.
type syncLog struct {
	mu    sync.Mutex
	calls []syncCall
	fail  func(n int, c syncCall) bool // n counts calls from 1
}

type syncCall struct {
	dir  bool
	name string
}

func (l *syncLog) install(s *Store, fail func(n int, c syncCall) bool) {
	l.fail = fail
	s.syncFile = func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		c := syncCall{dir: fi.IsDir(), name: fi.Name()}
		l.mu.Lock()
		l.calls = append(l.calls, c)
		n := len(l.calls)
		l.mu.Unlock()
		if l.fail(n, c) {
			return errInjected
		}
		return f.Sync()
	}
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := ""
	for _, c := range l.calls {
		if c.dir {
			s += "dir "
		} else {
			s += "file "
		}
	}
	return s
}

func TestFsyncFailureRedoesWrite(t *testing.T) {
	onlyFirst := func(dir bool) func(int, syncCall) bool {
		done := false
		return func(_ int, c syncCall) bool {
			if c.dir == dir && !done {
				done = true
				return true
			}
			return false
		}
	}
	for _, c := range []struct {
		name string
		fail func(int, syncCall) bool
		want string
	}{
		{"file sync fails once", onlyFirst(false), "file file dir "},
		{"directory sync fails once", onlyFirst(true), "file dir file dir "},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, dir := openTest(t, nil)
			mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("old")})
			var log syncLog
			log.install(s, c.fail)
			mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("new")})
			if got := log.String(); got != c.want {
				t.Errorf("fsyncs = %q, want %q: the write was not redone from scratch", got, c.want)
			}
			// Each attempt writes a new temporary file.
			var files []string
			for _, call := range log.calls {
				if !call.dir {
					files = append(files, call.name)
				}
			}
			if len(files) == 2 && files[0] == files[1] {
				t.Errorf("the redone write synced the same temporary file %q again", files[0])
			}
			wantValue(t, s, "b", []byte("k"), "new")
			if tmp := tempFiles(t, dir); len(tmp) != 0 {
				t.Errorf("temporary files left behind: %v", tmp)
			}
		})
	}
}

func TestFsyncFailingForGoodReturnsErrSync(t *testing.T) {
	for _, failDir := range []bool{false, true} {
		t.Run(fmt.Sprintf("dir=%v", failDir), func(t *testing.T) {
			s, dir := openTest(t, nil)
			mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("old")})
			var log syncLog
			log.install(s, func(_ int, c syncCall) bool { return c.dir == failDir })
			err := s.Put(t.Context(), store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("new")})
			if !errors.Is(err, ErrSync) || !errors.Is(err, errInjected) {
				t.Fatalf("Put with fsync always failing = %v, want an error matching ErrSync and the cause", err)
			}
			want := "file file file "
			if failDir {
				want = "file dir file dir file dir "
			}
			if got := log.String(); got != want {
				t.Errorf("fsyncs = %q, want %q (%d attempts)", got, want, writeAttempts)
			}
			if tmp := tempFiles(t, dir); len(tmp) != 0 {
				t.Errorf("temporary files left behind: %v", tmp)
			}
			if !failDir {
				// The new file never replaced the old one.
				wantValue(t, s, "b", []byte("k"), "old")
			}
			err = s.PutBatch(t.Context(), []store.Record{{Bucket: "b", Key: []byte("x")}, {Bucket: "b", Key: []byte("y")}})
			if !errors.Is(err, ErrSync) {
				t.Errorf("PutBatch with fsync always failing = %v, want an error matching ErrSync", err)
			}
			if tmp := tempFiles(t, dir); len(tmp) != 0 {
				t.Errorf("temporary files left behind by PutBatch: %v", tmp)
			}
			if err := s.Delete(t.Context(), "b", []byte("k")); failDir != errors.Is(err, ErrSync) {
				t.Errorf("Delete = %v, want an error matching ErrSync only when directory syncs fail", err)
			}
		})
	}
}

func TestPutBatchRedoesAfterOneFailedFsync(t *testing.T) {
	s, dir := openTest(t, nil)
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("warm"), Value: []byte("v")})
	var log syncLog
	log.install(s, func(n int, c syncCall) bool { return n == 5 })
	var rs []store.Record
	for i := range 20 {
		k := fmt.Appendf(nil, "k%d", i)
		rs = append(rs, store.Record{Bucket: "b", Key: k, Value: k})
	}
	if err := s.PutBatch(t.Context(), rs); err != nil {
		t.Fatalf("PutBatch with one failed fsync = %v, want nil after a redo", err)
	}
	for _, r := range rs {
		wantValue(t, s, "b", r.Key, string(r.Value))
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

func TestNewBucketDirectoryIsSynced(t *testing.T) {
	s, _ := openTest(t, nil)
	var log syncLog
	failed := false
	log.install(s, func(_ int, c syncCall) bool {
		// The store's own directory is synced for the new bucket's entry;
		// fail that once.
		if c.dir && !failed {
			failed = true
			return true
		}
		return false
	})
	mustPut(t, s, store.Record{Bucket: "new", Key: []byte("k"), Value: []byte("v")})
	if got, want := log.String(), "dir dir file dir "; got != want {
		t.Errorf("fsyncs = %q, want %q: the new bucket's entry is not made durable", got, want)
	}
	wantValue(t, s, "new", []byte("k"), "v")
}

func TestNoSyncNeverSyncs(t *testing.T) {
	s, _ := openTest(t, &Options{NoSync: true})
	var log syncLog
	log.install(s, func(int, syncCall) bool { return true })
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	if err := s.PutBatch(t.Context(), []store.Record{{Bucket: "b", Key: []byte("k2")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), "b", []byte("k")); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); got != "" {
		t.Errorf("NoSync store synced: %q", got)
	}
}
