//go:build !livedict_nocloud

package blob

// The cloud drivers, left out by the build tag livedict_nocloud (see the
// package documentation).
import (
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
)
