package sqlite

import "errors"

// Sentinel errors of this package. Match them with errors.Is; the errors
// returned wrap them with detail.
var (
	// ErrInvalidURL is matched by the error [OpenURL] returns for a URL it
	// cannot use: another scheme, a host, user information, a fragment, an
	// unknown or repeated query parameter, or a bad parameter value (which
	// also matches [ErrInvalidOption]).
	ErrInvalidURL = errors.New("sqlite: invalid URL")
	// ErrInvalidOption is matched by the error [Open] returns for an option
	// out of range or a path it cannot use.
	ErrInvalidOption = errors.New("sqlite: invalid option")
	// ErrSchemaVersion is matched by the error [Open] returns for a file
	// whose LiveDict schema version this build does not know, such as one
	// written by a newer release. Open then leaves the file untouched.
	ErrSchemaVersion = errors.New("sqlite: unsupported schema version")
)
