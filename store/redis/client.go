package redis

import (
	"fmt"
	"net/url"

	goredis "github.com/redis/go-redis/v9"
)

// NewClient returns the go-redis client that [Open] builds for opts, with
// the same reply limits, for packages that need the client itself (package
// fleet); nil opts mean the zero Options. With opts.Client set it returns
// that client. The caller closes the client it was given unless it passed
// it in opts.Client. Invalid options give an error matching
// [ErrInvalidOptions].
func NewClient(opts *Options) (goredis.UniversalClient, error) {
	if opts == nil {
		opts = &Options{}
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Client != nil {
		return opts.Client, nil
	}
	return opts.newClient(), nil
}

// NewClientURL returns the go-redis client that [OpenURL] builds for
// rawURL, and the Options its query parameters set (Prefix, Timeout,
// ScanCount, MaxValueSize). The caller closes the client. A URL it cannot
// use gives an error matching [ErrInvalidURL] that never quotes the URL's
// password.
func NewClientURL(rawURL string) (goredis.UniversalClient, *Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidURL, urlParseError(err))
	}
	opts, client, err := parseURL(u)
	if err != nil {
		return nil, nil, err
	}
	return client, opts, nil
}
