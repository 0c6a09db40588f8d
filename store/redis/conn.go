package redis

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// DialFunc dials one connection to a Redis server or Sentinel; it is the
// type of the Dialer field of go-redis's option structs.
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// LimitReplies returns a DialFunc that dials with dial and bounds what each
// connection's replies may make go-redis allocate: a reply past the limits
// documented at [ErrBadReply] (with maxValueSize as Options.MaxValueSize;
// 0 means [DefaultMaxValueSize]) fails the read in progress with an error
// matching ErrBadReply, and the connection is closed, before go-redis reads
// the offending length. Open and OpenURL install it on the clients they
// build; use it as the Dialer of a client given in Options.Client to bound
// that client's replies too (when that client uses TLS, dial must do the
// TLS handshake, since go-redis's own TLS dialing is replaced).
func LimitReplies(dial DialFunc, maxValueSize int64) DialFunc {
	if maxValueSize <= 0 {
		maxValueSize = DefaultMaxValueSize
	}
	lim := newReplyLimits(maxValueSize)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &boundedConn{Conn: c, sc: respScanner{lim: lim}}, nil
	}
}

// netDialer returns the dialer go-redis would build for these settings:
// TCP (or a Unix socket) with dialTimeout, then TLS when tlsConfig is set,
// with the server name taken from the address when the config has none.
func netDialer(tlsConfig *tls.Config, dialTimeout time.Duration) DialFunc {
	switch {
	case dialTimeout == 0:
		dialTimeout = 5 * time.Second // go-redis's default
	case dialTimeout < 0:
		dialTimeout = 0 // go-redis's -1: no dial timeout
	}
	nd := &net.Dialer{Timeout: dialTimeout, KeepAlive: 5 * time.Minute}
	if tlsConfig == nil {
		return nd.DialContext
	}
	td := &tls.Dialer{NetDialer: nd, Config: tlsConfig}
	return td.DialContext
}

// boundedConn passes every byte it reads through a respScanner. go-redis
// reads a connection from one goroutine at a time, so Read needs no lock.
type boundedConn struct {
	net.Conn
	sc  respScanner
	err error // sticky: once a reply is refused the connection is dead
}

// Read reads from the connection and scans what it read. When the scan
// refuses a reply, Read returns no bytes and the error, closes the
// connection, and returns the same error from then on.
func (c *boundedConn) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		if serr := c.sc.scan(p[:n]); serr != nil {
			c.err = serr
			_ = c.Conn.Close()
			return 0, serr
		}
	}
	return n, err
}
