package livedict_test

import (
	"testing"

	"github.com/livedict/livedict/internal/backendtest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
)

type memoryHarness struct{ data *store.MemoryData }

func (h memoryHarness) Open(*testing.T) store.Stage { return store.NewMemoryShared(h.data) }

// TestPersistedMemory runs backendtest.Persisted on the memory backend;
// each backend module runs it on its own.
func TestPersistedMemory(t *testing.T) {
	backendtest.Persisted(t, func(*testing.T) storetest.Harness { return memoryHarness{new(store.MemoryData)} })
}
