package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/sqlite"
)

func BenchmarkStoreWriteBehind(b *testing.B) {
	backendtest.BenchmarkStoreWriteBehind(b, func(b *testing.B) store.Stage {
		s, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
