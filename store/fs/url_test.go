package fs_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
)

func TestOpenByURL(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	for _, u := range []string{
		"file://" + filepath.ToSlash(dir),
		"file://localhost" + filepath.ToSlash(dir) + "?sweep=1m&nosync=true",
		"file://" + filepath.ToSlash(dir) + "?sweep=0&nosync=false&fileperm=0640&dirperm=0750",
		"file://" + filepath.ToSlash(dir) + "?maxrecordsize=9223372036854775807",
	} {
		s, err := store.Open(ctx, u)
		if err != nil {
			t.Fatalf("store.Open(%q) = %v", u, err)
		}
		fsStore, ok := s.(*fs.Store)
		if !ok {
			t.Fatalf("store.Open(%q) gave %T, want *fs.Store", u, s)
		}
		if want := strings.Contains(u, "sweep=1m"); fsStore.NativeTTL() != want {
			t.Errorf("%q: NativeTTL = %v, want %v", u, fsStore.NativeTTL(), want)
		}
		if err := s.Put(ctx, store.Record{Bucket: "b", Key: []byte(u), Value: []byte("v")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := fs.OpenURL(ctx, "file://"+filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for _, err := range s.Scan(ctx, "b") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("the four URLs of one directory stored %d records, want 4", n)
	}
}

func TestOpenURLRejectsBadURLs(t *testing.T) {
	dir := filepath.ToSlash(t.TempDir())
	for _, u := range []string{
		"file://otherhost/data",
		"file:relative/dir",
		"file://",
		"file://user:hunter2@/" + dir,
		"file://" + dir + "#frag",
		"file://" + dir + "?bogus=1",
		"file://" + dir + "?sweep=often",
		"file://" + dir + "?sweep=-1s",
		"file://" + dir + "?nosync=maybe",
		"file://" + dir + "?sweep=1m&sweep=2m",
		"file://" + dir + "?fileperm=0400", // valid octal, but unreadable files
		"file://" + dir + "?dirperm=999",
		"file://" + dir + "?fileperm=1099511627776",
		"file://" + dir + "?dirperm=-0700",
		"file://" + dir + "?sweep=9999999999h",
		"file://" + dir + "?maxrecordsize=40",
		"file://" + dir + "?maxrecordsize=-1",
		"file://" + dir + "?maxrecordsize=9223372036854775808",
		"file://" + dir + "?maxrecordsize=1e9",
		"file://" + dir + "?%zz",
		"file://hunter2:pw@host:bad/x",
		"sqlite:///x.db",
	} {
		s, err := fs.OpenURL(t.Context(), u)
		if err == nil {
			s.Close()
			t.Errorf("OpenURL(%q) succeeded", u)
			continue
		}
		if !errors.Is(err, fs.ErrInvalidURL) {
			t.Errorf("OpenURL(%q) = %v, want an error matching ErrInvalidURL", u, err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("OpenURL(%q) = %v, which quotes the password", u, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := fs.OpenURL(ctx, "file://"+dir); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenURL with a cancelled context = %v, want context.Canceled", err)
	}
}
