package layer

import "github.com/livedict/livedict/store"

// Every Stage this package builds wraps the next one and says so with
// Unwrap, so that [store.As] reaches a stage's own methods through a
// chain: a breaker's Stats, an encrypt stage's Rotate, a backend's
// Buckets. None of them renames buckets (the encrypt layer names keys,
// never buckets), so a bucket list read past them is the caller's own.
var (
	_ store.Unwrapper = (*transformStage)(nil)
	_ store.Unwrapper = (*EncryptStage)(nil)
	_ store.Unwrapper = (*logStage)(nil)
	_ store.Unwrapper = (*metricsStage)(nil)
	_ store.Unwrapper = (*BreakerStage)(nil)
)

// Unwrap returns the next stage.
func (s *transformStage) Unwrap() store.Stage { return s.next }

// Unwrap returns the next stage.
func (e *EncryptStage) Unwrap() store.Stage { return e.next }

// Unwrap returns the next stage.
func (l *logStage) Unwrap() store.Stage { return l.next }

// Unwrap returns the next stage.
func (s *metricsStage) Unwrap() store.Stage { return s.next }

// Unwrap returns the next stage.
func (b *BreakerStage) Unwrap() store.Stage { return b.next }

// Unwrap returns the next stage.
