package redistest

import "testing"

// StartPersistent starts a standalone server for tb, like [Start], that
// keeps its data across [Server.Restart] and [Server.Kill]: an append-only
// file synced on every write (appendonly yes, appendfsync always), so every
// write the server acknowledged survives a crash.
func StartPersistent(tb testing.TB) *Server {
	tb.Helper()
	s, err := startServer(func(*Server) ([]string, error) {
		// Later arguments override the defaults startServer gives.
		return []string{"--appendonly", "yes", "--appendfsync", "always"}, nil
	})
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
