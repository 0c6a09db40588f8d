package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/livedict/livedict/store"
)

// TestExpiryBoundary moves the Store's clock around a record's expiry,
// given to the nanosecond: the record is visible a microsecond before its
// expiry and never at or after it.
func TestExpiryBoundary(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	ctx := t.Context()
	base := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, off := range []time.Duration{0, 1, 499, 999, 1000, 123_456_789} {
		exp := base.Add(off)
		key := []byte(exp.String())
		if err := s.Put(ctx, store.Record{Bucket: "b", Key: key, Value: []byte("v"), ExpireAt: exp}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			now     time.Time
			visible bool
		}{
			{exp.Add(-time.Microsecond - time.Nanosecond), true},
			{exp.Truncate(time.Microsecond).Add(-time.Nanosecond), true},
			{exp, false},
			{exp.Add(time.Nanosecond), false},
			{exp.Add(time.Hour), false},
		} {
			s.now = func() time.Time { return tc.now }
			r, err := s.Get(ctx, "b", key)
			got := err == nil
			if got != tc.visible || (err != nil && !errors.Is(err, store.ErrNotFound)) {
				t.Errorf("expiry %v, clock %v: Get = %v, %v; want visible %v", exp, tc.now, r.ExpireAt, err, tc.visible)
			}
			if got && (r.ExpireAt.After(exp) || exp.Sub(r.ExpireAt) >= time.Microsecond) {
				t.Errorf("expiry %v came back as %v", exp, r.ExpireAt)
			}
			if n := len(scanAll(t, s, "b")); (n == 1) != tc.visible {
				t.Errorf("expiry %v, clock %v: Scan yielded %d records; want visible %v", exp, tc.now, n, tc.visible)
			}
		}
		if err := s.Delete(ctx, "b", key); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExpiryClamped: expiries beyond the column's range are kept as the
// end of the year 9999, and ones before the epoch as expired.
func TestExpiryClamped(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	ctx := t.Context()
	far := time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []store.Record{
		{Bucket: "b", Key: []byte("far"), Value: []byte("v"), ExpireAt: far},
		{Bucket: "b", Key: []byte("past"), Value: []byte("v"), ExpireAt: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Bucket: "b", Key: []byte("year1"), Value: []byte("v"), ExpireAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
	} {
		if err := s.Put(ctx, r); err != nil {
			t.Fatalf("Put(%s) = %v", r.Key, err)
		}
	}
	if r, err := s.Get(ctx, "b", []byte("far")); err != nil || !r.ExpireAt.Equal(maxExpiry) {
		t.Errorf("Get(far) = %v, %v; want ExpireAt %v", r.ExpireAt, err, maxExpiry)
	}
	for _, k := range []string{"past", "year1"} {
		if _, err := s.Get(ctx, "b", []byte(k)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%s) = %v, want ErrNotFound", k, err)
		}
	}
}

// TestForeignExpiry reads rows another program wrote with expiries
// LiveDict never writes: 'infinity' never expires in effect, '-infinity'
// and the year 1 have expired, and the sweep removes only those.
func TestForeignExpiry(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	ctx := t.Context()
	if _, err := connect(t).Exec(ctx, `INSERT INTO `+s.names.table+` VALUES
		('b', 'inf', 'v', 'infinity'), ('b', '-inf', 'v', '-infinity'), ('b', 'y1', 'v', '0001-01-01 00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "b", []byte("inf")); err != nil || !r.ExpireAt.Equal(maxExpiry) {
		t.Errorf("Get of an 'infinity' row = %v, %v; want ExpireAt %v", r.ExpireAt, err, maxExpiry)
	}
	for _, k := range []string{"-inf", "y1"} {
		if _, err := s.Get(ctx, "b", []byte(k)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%s) = %v, want ErrNotFound", k, err)
		}
	}
	if n, err := s.Sweep(ctx); n != 2 || err != nil {
		t.Errorf("Sweep = %d, %v; want 2 rows", n, err)
	}
	if rs := scanAll(t, s, "b"); len(rs) != 1 || string(rs[0].Key) != "inf" {
		t.Errorf("Scan after the sweep = %v, want the 'infinity' row alone", rs)
	}
}

func TestToTimestamptz(t *testing.T) {
	if ts := toTimestamptz(time.Time{}); ts.Valid {
		t.Errorf("toTimestamptz(zero) = %v, want NULL", ts)
	}
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 6789, time.FixedZone("x", 3600))
	if ts := toTimestamptz(t0); !ts.Valid || !ts.Time.Equal(t0.Add(-789)) {
		t.Errorf("toTimestamptz(%v) = %v, want it rounded down to the microsecond", t0, ts.Time)
	}
}

// FuzzDecodeExpiry decodes arbitrary bytes as the binary expire_at column
// pgx reads, as a row written by any program could hold, and checks that
// every value pgx accepts gets an expiry: NULL alone means never, and a
// finite time in range comes back as it is.
func FuzzDecodeExpiry(f *testing.F) {
	enc := func(micros int64) []byte {
		b := make([]byte, 8)
		for i := range 8 {
			b[i] = byte(uint64(micros) >> (56 - 8*i))
		}
		return b
	}
	for _, seed := range [][]byte{
		nil, {}, enc(0), enc(1<<63 - 1), enc(-1 << 63), enc(-63082281600000000), // year 1
		enc(946684800000000), {1, 2, 3},
	} {
		f.Add(seed)
	}
	m := pgtype.NewMap()
	f.Fuzz(func(t *testing.T, src []byte) {
		var ts pgtype.Timestamptz
		if err := m.Scan(pgtype.TimestamptzOID, pgtype.BinaryFormatCode, src, &ts); err != nil {
			return
		}
		got := fromTimestamptz(ts)
		switch {
		case !ts.Valid && !got.IsZero():
			t.Fatalf("NULL decoded as expiry %v", got)
		case ts.Valid && got.IsZero():
			t.Fatalf("%x (%v) decoded as never expiring", src, ts)
		case ts.Valid && ts.InfinityModifier == pgtype.Finite && !ts.Time.IsZero() && !got.Equal(ts.Time):
			t.Fatalf("%x decoded as %v, want %v", src, got, ts.Time)
		}
		// What a Store writes back stays what it read, to the microsecond.
		if ts.Valid && !got.Before(minExpiry) && !got.After(maxExpiry) {
			if back := toTimestamptz(got); !back.Time.Equal(got.Truncate(time.Microsecond)) {
				t.Fatalf("expiry %v written back as %v", got, back.Time)
			}
		}
	})
}

func TestSweepKeepsLiveRows(t *testing.T) {
	s := mustOpen(t, testDSN(), &Options{Schema: newSchema(t), SweepInterval: -1})
	ctx := context.Background()
	_ = s.Put(ctx, store.Record{Bucket: "b", Key: []byte("live"), Value: []byte("v"), ExpireAt: time.Now().Add(time.Hour)})
	_ = s.Put(ctx, store.Record{Bucket: "b", Key: []byte("forever"), Value: []byte("v")})
	if n, err := s.Sweep(ctx); n != 0 || err != nil {
		t.Errorf("Sweep of live rows = %d, %v; want 0", n, err)
	}
	if n := countRows(t, s); n != 2 {
		t.Errorf("rows after the sweep = %d, want 2", n)
	}
}
