package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/snapshot"
	"go.uber.org/goleak"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func options(t *testing.T) snapshot.Options[string, string] {
	t.Helper()
	k, _ := crypto.GenerateKey()
	nk, _ := crypto.GenerateKey()
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot.Options[string, string]{Keyring: ring, NameKey: nk, Name: "blob-test"}
}

func newStore(t *testing.T) *livedict.Store[string, string] {
	t.Helper()
	s, err := livedict.New[string, string](nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func filled(t *testing.T) *livedict.Store[string, string] {
	s := newStore(t)
	s.Set("a", "1", livedict.NoExpiry)
	s.Bucket("b").Set("k", "v", time.Hour)
	return s
}

func TestSplitURL(t *testing.T) {
	for _, tt := range []struct{ in, bucket, key string }{
		{"file:///var/backups/app.snap", "file:///var/backups", "app.snap"},
		{"file:///app.snap", "file:///", "app.snap"},
		{"file:///a/b/c.snap?create_dir=1", "file:///a/b?create_dir=1", "c.snap"},
		{"s3://my-bucket/livedict/app.snap?region=eu-west-1", "s3://my-bucket?region=eu-west-1", "livedict/app.snap"},
		{"gs://b/x", "gs://b", "x"},
		{"azblob://container/dir/x.snap", "azblob://container", "dir/x.snap"},
		{"mem://app.snap", "mem://", "app.snap"},
	} {
		b, k, err := SplitURL(tt.in)
		if err != nil || b != tt.bucket || k != tt.key {
			t.Errorf("SplitURL(%q) = %q, %q, %v; want %q, %q", tt.in, b, k, err, tt.bucket, tt.key)
		}
	}
	for _, bad := range []string{"", "app.snap", "/tmp/app.snap", "s3://bucket", "s3://bucket/", "file:///dir/", "mem://", "%zz://x"} {
		if _, _, err := SplitURL(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("SplitURL(%q): err = %v, want ErrBadURL", bad, err)
		}
	}
}

func TestFileURLRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	u := "file://" + filepath.ToSlash(dir) + "/app.snap"
	opts := options(t)
	wst, err := WriteURL(ctx, u, filled(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "app.snap"))
	if err != nil || fi.Size() != wst.Bytes {
		t.Fatalf("object file: %v, %v; want %d bytes", fi, err, wst.Bytes)
	}
	dst := newStore(t)
	rst, err := RestoreURL(ctx, u, dst, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rst.Restored != 2 {
		t.Errorf("restored %d, want 2", rst.Restored)
	}
	if v, _ := dst.Bucket("b").Get("k"); v != "v" {
		t.Errorf("b/k = %q", v)
	}
	if ttl, ok := dst.Bucket("b").TTL("k"); !ok || ttl > time.Hour {
		t.Errorf("b/k TTL = %v, %v; want at most an hour", ttl, ok)
	}
}

func TestMissingObject(t *testing.T) {
	u := "file://" + filepath.ToSlash(t.TempDir()) + "/none.snap"
	_, err := RestoreURL(context.Background(), u, newStore(t), options(t))
	if gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("err = %v, want gcerrors.NotFound", err)
	}
}

// TestTampered: a snapshot object cut short or altered in the bucket is
// refused, and nothing is restored.
func TestTampered(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	opts := options(t)
	if _, err := Write(ctx, b, "app.snap", filled(t), opts); err != nil {
		t.Fatal(err)
	}
	data, err := b.ReadAll(ctx, "app.snap")
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	for name, bad := range map[string][]byte{
		"truncated":     data[:len(data)-1],
		"half":          data[:len(data)/2],
		"flipped bit":   flipped,
		"extra byte":    append(bytes.Clone(data), 0),
		"empty":         {},
		"doubled":       append(bytes.Clone(data), data...),
		"another magic": append([]byte("XXXXXXXX"), data[8:]...),
	} {
		if err := b.WriteAll(ctx, "bad.snap", bad, nil); err != nil {
			t.Fatal(err)
		}
		dst := newStore(t)
		if _, err := Restore(ctx, b, "bad.snap", dst, opts); !errors.Is(err, snapshot.ErrCorrupt) || dst.LenAll() != 0 {
			t.Errorf("%s: err = %v, %d entries; want ErrCorrupt and none", name, err, dst.LenAll())
		}
	}
	dst := newStore(t)
	if st, err := Restore(ctx, b, "app.snap", dst, opts); err != nil || st.Restored != 2 {
		t.Errorf("the untouched object: %+v, %v", st, err)
	}
}

// TestFailedWriteKeepsObject: a Write that fails leaves the object that
// was there.
func TestFailedWriteKeepsObject(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	opts := options(t)
	if _, err := Write(ctx, b, "app.snap", filled(t), opts); err != nil {
		t.Fatal(err)
	}
	before, _ := b.ReadAll(ctx, "app.snap")
	big := newStore(t)
	big.Set("huge", string(make([]byte, snapshot.MaxFrameSize)), livedict.NoExpiry)
	if _, err := Write(ctx, b, "app.snap", big, opts); !errors.Is(err, snapshot.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	after, err := b.ReadAll(ctx, "app.snap")
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("a failed Write changed the object (err %v)", err)
	}
}

func TestWrongKeys(t *testing.T) {
	ctx := context.Background()
	b := memblob.OpenBucket(nil)
	defer b.Close()
	if _, err := Write(ctx, b, "app.snap", filled(t), options(t)); err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	if _, err := Restore(ctx, b, "app.snap", dst, options(t)); !errors.Is(err, snapshot.ErrWrongKey) || dst.LenAll() != 0 {
		t.Errorf("other keys: err = %v, len %d", err, dst.LenAll())
	}
}
