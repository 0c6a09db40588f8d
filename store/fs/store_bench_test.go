package fs_test

import (
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/fs"
)

func BenchmarkStoreWriteBehind(b *testing.B) {
	backendtest.BenchmarkStoreWriteBehind(b, func(b *testing.B) store.Stage {
		s, err := fs.Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
