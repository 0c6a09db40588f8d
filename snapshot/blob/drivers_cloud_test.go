//go:build !livedict_nocloud

package blob

import (
	"testing"

	gcblob "gocloud.dev/blob"
)

// The cloud schemes are registered unless the build leaves them out.
func TestCloudSchemesRegistered(t *testing.T) {
	for _, scheme := range []string{"s3", "gs", "azblob", "file", "mem"} {
		if !gcblob.DefaultURLMux().ValidBucketScheme(scheme) {
			t.Errorf("scheme %s:// is not registered", scheme)
		}
	}
}
