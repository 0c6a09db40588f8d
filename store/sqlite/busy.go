package sqlite

import (
	"context"
	"errors"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// isBusy reports whether err is SQLite's SQLITE_BUSY, with any extended
// code.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Backoff between tries of retryBusy: it starts at busyRetryMin and
// doubles up to busyRetryMax.
const (
	busyRetryMin = time.Millisecond
	busyRetryMax = 50 * time.Millisecond
)

// retryBusy runs f again while it fails with SQLITE_BUSY, until wait has
// passed since the first try or ctx is done; it returns f's last error
// (joined with ctx's error when ctx ended the wait).
//
// SQLite's busy handler, which busy_timeout installs, covers most lock
// waits but not all: switching a new file to WAL while another connection
// is doing the same fails with SQLITE_BUSY at once. Open runs its first
// connection and schema transaction through retryBusy so that processes
// opening one new file together all succeed, as they would if the busy
// handler had waited.
func retryBusy(ctx context.Context, wait time.Duration, f func() error) error {
	deadline := time.Now().Add(wait)
	pause := busyRetryMin
	for {
		err := f()
		if !isBusy(err) {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return err
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, busyRetryMax)
	}
}
