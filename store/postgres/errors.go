package postgres

import "errors"

// Sentinel errors of this package. Match them with errors.Is; the errors
// returned wrap them with detail.
var (
	// ErrInvalidURL is matched by the error [OpenURL] returns for a URL it
	// cannot use: another scheme, a fragment, a repeated LiveDict
	// parameter, a connection string pgx refuses, or a bad parameter value
	// (which also matches [ErrInvalidOption]).
	ErrInvalidURL = errors.New("postgres: invalid URL")
	// ErrInvalidOption is matched by the error [Open] and [OpenPool] return
	// for an option out of range, such as a table name that is not a plain
	// lower-case SQL identifier.
	ErrInvalidOption = errors.New("postgres: invalid option")
	// ErrSchemaVersion is matched by the error Open returns for a table
	// whose LiveDict schema version this build does not know (one written
	// by a newer release), or for a table of the configured name that
	// LiveDict did not create. Open then leaves the database untouched.
	ErrSchemaVersion = errors.New("postgres: unsupported schema version")
)
