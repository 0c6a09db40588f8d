package fs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/livedict/livedict/store"
)

func TestOpenRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bdir := filepath.Join(dir, bucketDirName("b"))
	stale := []string{
		filepath.Join(bdir, "t0123456789abcdef"),
		filepath.Join(bdir, "tfedcba9876543210"),
		filepath.Join(dir, "t00000000000000ff"), // a Ping cut short
	}
	foreign := []string{
		filepath.Join(dir, "notes.txt"),
		filepath.Join(bdir, "tmp"),
		filepath.Join(bdir, "t0123"),
		filepath.Join(dir, "tdir", "t0123456789abcdef"), // not a bucket directory
	}
	for _, p := range append(stale, foreign...) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, []byte("half a record"))
	}

	s, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range stale {
		if exists(t, p) {
			t.Errorf("Open left the stale temporary file %s", p)
		}
	}
	for _, p := range foreign {
		if !exists(t, p) {
			t.Errorf("Open removed %s, which is not one of its files", p)
		}
	}
	wantValue(t, s, "b", []byte("k"), "v")
	// Foreign files do not disturb Scan or Sweep either.
	for r, err := range s.Scan(t.Context(), "b") {
		if err != nil || string(r.Key) != "k" {
			t.Errorf("Scan yielded %q, %v", r.Key, err)
		}
	}
	if n, err := s.Sweep(t.Context()); n != 0 || err != nil {
		t.Errorf("Sweep = %d, %v, want 0, nil", n, err)
	}
}

func TestOpenLocksDirectory(t *testing.T) {
	s, dir := openTest(t, nil)
	if s2, err := Open(dir, nil); !errors.Is(err, ErrLocked) {
		if err == nil {
			s2.Close()
		}
		t.Fatalf("second Open of a directory in use = %v, want an error matching ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("Open after Close = %v", err)
	}
	s2.Close()
}

func TestOpenCreatesDirectoryWithPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(dir, &Options{FilePerm: 0o640, DirPerm: 0o750})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustPut(t, s, store.Record{Bucket: "b", Key: []byte("k"), Value: []byte("v")})
	for path, want := range map[string]os.FileMode{
		dir:                                    0o750,
		filepath.Join(dir, bucketDirName("b")): 0o750,
		entryPath(dir, "b", []byte("k")):       0o640,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want&^0o022 { // the usual umask may narrow it
			t.Errorf("%s has permissions %#o, want %#o", path, got, want)
		}
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{FilePerm: 0o400},
		{FilePerm: 0o600 | os.ModeSetuid},
		{DirPerm: 0o600},
		{SweepInterval: -time.Second},
	} {
		if s, err := Open(dir, &o); !errors.Is(err, ErrInvalidOptions) {
			if err == nil {
				s.Close()
			}
			t.Errorf("Open with %+v = %v, want an error matching ErrInvalidOptions", o, err)
		}
	}
	if _, err := Open("", nil); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("Open of an empty name = %v, want ErrInvalidOptions", err)
	}
	file := filepath.Join(dir, "file")
	writeFile(t, file, nil)
	if _, err := Open(file, nil); err == nil {
		t.Errorf("Open of a regular file succeeded")
	}
}

func TestPingFailsWhenDirectoryIsGone(t *testing.T) {
	s, dir := openTest(t, nil)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping = %v", err)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("Ping left %v", tmp)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Errorf("Ping of a removed directory = nil, want an error")
	}
}

// TestConcurrentPutsOfOneKey checks that racing writers of one key leave
// one complete value, never a mix or a torn file, and no temporary files.
func TestConcurrentPutsOfOneKey(t *testing.T) {
	s, dir := openTest(t, nil)
	const writers, rounds, size = 8, 10, 64 << 10
	k := []byte("contended")
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			v := bytes.Repeat([]byte{byte('a' + w)}, size)
			for range rounds {
				if err := s.Put(t.Context(), store.Record{Bucket: "b", Key: k, Value: v}); err != nil {
					errs <- err
					return
				}
				r, err := s.Get(t.Context(), "b", k)
				if err != nil {
					errs <- err
					return
				}
				if len(r.Value) != size || !bytes.Equal(r.Value, bytes.Repeat(r.Value[:1], size)) {
					errs <- fmt.Errorf("read a mixed or torn value of %d bytes", len(r.Value))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	r, err := s.Get(t.Context(), "b", k)
	if err != nil || len(r.Value) != size || !bytes.Equal(r.Value, bytes.Repeat(r.Value[:1], size)) {
		t.Errorf("final value is %d bytes, %v; want one writer's whole value", len(r.Value), err)
	}
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
}

// TestCloseWaitsForWrites closes the store while writers run: each Put
// either completes or fails with ErrClosed, and what completed is there
// after reopening.
func TestCloseWaitsForWrites(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stored [][]byte
	started := make(chan struct{}, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				k := fmt.Appendf(nil, "w%d-%d", w, i)
				err := s.Put(t.Context(), store.Record{Bucket: "b", Key: k, Value: k})
				if errors.Is(err, store.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Put = %v, want nil or ErrClosed", err)
					return
				}
				mu.Lock()
				stored = append(stored, k)
				mu.Unlock()
				if i == 0 {
					started <- struct{}{}
				}
			}
		})
	}
	for range 4 {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// Close waited for the writes under way, so none was cut short.
	if tmp := tempFiles(t, dir); len(tmp) != 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
	s, err = Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, k := range stored {
		wantValue(t, s, "b", k, string(k))
	}
}
