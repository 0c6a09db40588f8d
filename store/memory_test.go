package store_test

import (
	"testing"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/storetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// memoryHarness reopens a Memory over the same MemoryData.
type memoryHarness struct{ data store.MemoryData }

func (h *memoryHarness) Open(*testing.T) store.Stage { return store.NewMemoryShared(&h.data) }

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Harness { return new(memoryHarness) })
}
