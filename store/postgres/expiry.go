package postgres

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The expiries a row can hold. An expiry before the epoch has passed
// already and is stored as the epoch; one after the year 9999 is stored as
// the end of 9999, beyond any TTL a program sets and within what every SQL
// tool prints.
var (
	minExpiry = time.Unix(0, 0).UTC()
	maxExpiry = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// toTimestamptz converts a record's expiry to the expire_at column: NULL
// for none, otherwise the expiry rounded down to the microsecond (the
// column's precision) and clamped to [minExpiry, maxExpiry]. Rounding down
// keeps the visibility test exact: see [visible].
func toTimestamptz(t time.Time) pgtype.Timestamptz {
	switch {
	case t.IsZero():
		return pgtype.Timestamptz{}
	case t.Before(minExpiry):
		t = minExpiry
	case t.After(maxExpiry):
		t = maxExpiry
	}
	return pgtype.Timestamptz{Time: t.Truncate(time.Microsecond), Valid: true}
}

// fromTimestamptz converts an expire_at read from a row back to an
// expiry. The table may hold what other programs wrote, so every value is
// given a meaning: NULL never expires; 'infinity' is maxExpiry and
// '-infinity' minExpiry; a finite time that is Go's zero time (year 1)
// is minExpiry, since the zero time would mean "never expires".
func fromTimestamptz(ts pgtype.Timestamptz) time.Time {
	switch {
	case !ts.Valid:
		return time.Time{}
	case ts.InfinityModifier == pgtype.Infinity:
		return maxExpiry
	case ts.InfinityModifier == pgtype.NegativeInfinity, ts.Time.IsZero():
		return minExpiry
	}
	return ts.Time
}
