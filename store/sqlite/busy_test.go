package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// busyError returns a real SQLITE_BUSY: a second connection that does not
// wait tries to take the write lock a first one holds.
func busyError(t *testing.T) error {
	t.Helper()
	path := tempPath(t)
	holder := rawDB(t, path)
	conn, err := holder.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	other, err := sql.Open(driverName, "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = other.Exec("BEGIN IMMEDIATE")
	if !isBusy(err) {
		t.Fatalf("BEGIN IMMEDIATE against a held write lock = %v, want SQLITE_BUSY", err)
	}
	return err
}

func TestRetryBusy(t *testing.T) {
	busy := busyError(t)
	if isBusy(errors.New("database is locked")) || isBusy(nil) {
		t.Fatal("isBusy matches an error that is not SQLite's")
	}

	t.Run("RetriesUntilTheLockIsFree", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			calls := 0
			start := time.Now()
			err := retryBusy(t.Context(), time.Second, func() error {
				if calls++; calls <= 5 {
					return busy
				}
				return nil
			})
			if err != nil || calls != 6 {
				t.Fatalf("retryBusy = %v after %d calls, want nil after 6", err, calls)
			}
			// Pauses of 1, 2, 4, 8 and 16 ms.
			if d := time.Since(start); d != 31*time.Millisecond {
				t.Errorf("retryBusy waited %v, want 31ms", d)
			}
		})
	})

	t.Run("GivesUpAfterWait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			err := retryBusy(t.Context(), 100*time.Millisecond, func() error { return busy })
			if !isBusy(err) {
				t.Fatalf("retryBusy = %v, want the last SQLITE_BUSY", err)
			}
			if d := time.Since(start); d != 100*time.Millisecond {
				t.Errorf("retryBusy gave up after %v, want exactly the 100ms wait", d)
			}
		})
	})

	t.Run("OtherErrorsAtOnce", func(t *testing.T) {
		other := errors.New("disk I/O error")
		calls := 0
		err := retryBusy(t.Context(), time.Second, func() error { calls++; return other })
		if err != other || calls != 1 {
			t.Fatalf("retryBusy = %v after %d calls, want %v after 1", err, calls, other)
		}
	})

	t.Run("ContextEndsTheWait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
			defer cancel()
			err := retryBusy(ctx, time.Hour, func() error { return busy })
			if !isBusy(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("retryBusy = %v, want SQLITE_BUSY joined with context.DeadlineExceeded", err)
			}
		})
	})
}
