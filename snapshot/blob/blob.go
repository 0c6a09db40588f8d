// Package blob writes snapshots (package snapshot) to object stores and
// restores them, through gocloud.dev/blob. It is a module of its own,
// github.com/livedict/livedict/snapshot/blob, so that the cloud SDKs it
// needs never enter the dependencies of programs that do not use it.
//
// [WriteURL] and [RestoreURL] take the URL of one object:
//
//	file:///var/backups/livedict/app.snap     the file app.snap in /var/backups/livedict
//	s3://my-bucket/livedict/app.snap?region=eu-west-1
//	gs://my-bucket/livedict/app.snap
//	azblob://my-container/livedict/app.snap
//	mem://app.snap                            a new, empty in-memory bucket each time
//
// For file URLs the last path element is the object and the rest the
// directory; for the others the host is the bucket or container and the
// path (without its leading slash) the object key. Query parameters go to
// the bucket's URL opener (fileblob, s3blob, gcsblob, azureblob, memblob:
// see their documentation for credentials and options; this package
// imports each driver). [Write] and [Restore] take an open *blob.Bucket
// and a key instead, for buckets opened otherwise (or one memblob bucket
// shared by a test).
//
// The cloud drivers bring their SDKs (about 75 modules, some 50 MB of
// binary). A program that needs only file:// and mem:// can leave them
// out by building with the tag livedict_nocloud; s3://, gs:// and
// azblob:// URLs then fail to open, naming the scheme.
//
// A snapshot is streamed in both directions: neither function holds the
// whole object in memory (Restore holds the decoded entries it stages,
// see snapshot.Restore). An object is written only whole: when Write
// fails, the upload is aborted before it is committed, so no partial
// object replaces the one under the key.
package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/snapshot"
	gcblob "gocloud.dev/blob"

	// The drivers WriteURL and RestoreURL open; the cloud ones are in
	// drivers_cloud.go.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
)

// ContentType is the content type snapshots are uploaded with.
const ContentType = "application/octet-stream"

// ErrBadURL is matched by the error WriteURL and RestoreURL return for a
// URL that does not name an object.
var ErrBadURL = errors.New("snapshot/blob: bad object URL")

// Write writes a snapshot of s (see snapshot.Write) to the object key of
// bucket b, replacing any object there once the snapshot is whole.
func Write[K comparable, V any](ctx context.Context, b *gcblob.Bucket, key string, s *livedict.Store[K, V], opts snapshot.Options[K, V]) (snapshot.Stats, error) {
	// Cancelling the writer's context before Close aborts the upload.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.NewWriter(wctx, key, &gcblob.WriterOptions{ContentType: ContentType})
	if err != nil {
		return snapshot.Stats{}, fmt.Errorf("snapshot/blob: create %q: %w", key, err)
	}
	st, err := snapshot.Write(ctx, w, s, opts)
	if err != nil {
		cancel()
		_ = w.Close() // reports the cancellation; the object is not written
		return st, err
	}
	if err := w.Close(); err != nil {
		return st, fmt.Errorf("snapshot/blob: commit %q: %w", key, err)
	}
	return st, nil
}

// Restore restores the snapshot in the object key of bucket b into s (see
// snapshot.Restore). An object that does not exist gives an error for
// which gcerrors.Code is gcerrors.NotFound.
func Restore[K comparable, V any](ctx context.Context, b *gcblob.Bucket, key string, s *livedict.Store[K, V], opts snapshot.Options[K, V]) (snapshot.Stats, error) {
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		return snapshot.Stats{}, fmt.Errorf("snapshot/blob: open %q: %w", key, err)
	}
	defer r.Close()
	return snapshot.Restore(ctx, r, s, opts)
}

// WriteURL writes a snapshot of s to the object rawURL names; see the
// package documentation for the URL forms.
func WriteURL[K comparable, V any](ctx context.Context, rawURL string, s *livedict.Store[K, V], opts snapshot.Options[K, V]) (st snapshot.Stats, err error) {
	b, key, err := openObject(ctx, rawURL)
	if err != nil {
		return st, err
	}
	defer closeInto(b, &err)
	return Write(ctx, b, key, s, opts)
}

// RestoreURL restores the snapshot in the object rawURL names into s.
func RestoreURL[K comparable, V any](ctx context.Context, rawURL string, s *livedict.Store[K, V], opts snapshot.Options[K, V]) (st snapshot.Stats, err error) {
	b, key, err := openObject(ctx, rawURL)
	if err != nil {
		return st, err
	}
	defer closeInto(b, &err)
	return Restore(ctx, b, key, s, opts)
}

func closeInto(b *gcblob.Bucket, err *error) {
	if cerr := b.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("snapshot/blob: close bucket: %w", cerr)
	}
}

// openObject opens the bucket of rawURL and returns it with the key.
func openObject(ctx context.Context, rawURL string) (*gcblob.Bucket, string, error) {
	bucketURL, key, err := SplitURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	b, err := gcblob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, "", fmt.Errorf("snapshot/blob: open bucket: %w", err)
	}
	return b, key, nil
}

// SplitURL splits the URL of an object into the URL of its bucket and the
// object's key, as WriteURL and RestoreURL do (see the package
// documentation). It returns an error matching ErrBadURL for a URL
// without scheme or object.
func SplitURL(rawURL string) (bucketURL, key string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if u.Scheme == "" || u.Opaque != "" {
		return "", "", fmt.Errorf("%w: %q has no scheme://", ErrBadURL, rawURL)
	}
	host, dir := u.Host, ""
	switch u.Scheme {
	case "file":
		dir, key = path.Split(u.Path)
		if dir != "/" {
			dir = strings.TrimSuffix(dir, "/")
		}
	case "mem":
		host, key = "", strings.TrimPrefix(u.Host+u.Path, "/")
	default:
		key = strings.TrimPrefix(u.Path, "/")
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return "", "", fmt.Errorf("%w: %q names no object", ErrBadURL, rawURL)
	}
	bucketURL = u.Scheme + "://" + host + dir
	if u.RawQuery != "" {
		bucketURL += "?" + u.RawQuery
	}
	return bucketURL, key, nil
}
