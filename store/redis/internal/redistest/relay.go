package redistest

import (
	"net"
	"sync"
	"testing"
)

// relay is what the proxies share: a listener on a free local port that
// dials target for each client it accepts and hands the pair to serve, on
// a goroutine of its own, and Close, which stops accepting, closes every
// connection and waits for the serve calls to return.
type relay struct {
	// Addr is the proxy's host:port: give it to clients instead of the
	// server's.
	Addr string

	target string
	ln     net.Listener
	wg     sync.WaitGroup

	cmu   sync.Mutex
	conns map[net.Conn]struct{}
}

// start listens and accepts until Close; tb's cleanup closes it.
// closeBoth, given to serve, closes the client and the server connection.
func (r *relay) start(tb testing.TB, target string, serve func(c, s net.Conn, closeBoth func())) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	r.Addr, r.target, r.ln, r.conns = ln.Addr().String(), target, ln, map[net.Conn]struct{}{}
	r.wg.Add(1)
	go r.accept(serve)
	tb.Cleanup(r.Close)
}

// Close stops the proxy and closes every connection through it.
func (r *relay) Close() {
	_ = r.ln.Close()
	r.cmu.Lock()
	for c := range r.conns {
		_ = c.Close()
	}
	r.cmu.Unlock()
	r.wg.Wait()
}

func (r *relay) accept(serve func(c, s net.Conn, closeBoth func())) {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", r.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		r.cmu.Lock()
		r.conns[c], r.conns[s] = struct{}{}, struct{}{}
		r.cmu.Unlock()
		closeBoth := func() {
			_ = c.Close()
			_ = s.Close()
			r.cmu.Lock()
			delete(r.conns, c)
			delete(r.conns, s)
			r.cmu.Unlock()
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			serve(c, s, closeBoth)
		}()
	}
}
