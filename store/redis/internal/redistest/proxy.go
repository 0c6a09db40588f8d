package redistest

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy in front of a server that can lose one reply on
// purpose: after [Proxy.DropReplyTo], the next request holding a given
// word reaches the server, which runs it, and the client's connection is
// closed before the reply arrives, as when a server crashes between its
// write and its answer. Nothing else is changed.
type Proxy struct {
	relay

	mu      sync.Mutex
	word    []byte // armed: drop the reply to a request holding it
	skip    int    // matching requests to let through first
	dropped chan struct{}
}

// StartProxy starts a proxy for tb in front of the server at target and
// stops it when tb ends.
func StartProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	p := &Proxy{}
	p.start(tb, target, p.pipe)
	return p
}

// URL returns the redis:// URL of database 0 through the proxy.
func (p *Proxy) URL() string { return "redis://" + p.Addr + "/0" }

// DropReplyTo arms the proxy: the nth request from now (1 is the next)
// whose bytes hold word (a command name such as "EVALSHA", in any case)
// is passed on, and its connection is closed instead of the reply. The
// returned channel is closed once that has happened.
func (p *Proxy) DropReplyTo(word string, nth int) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.word, p.skip, p.dropped = bytes.ToLower([]byte(word)), nth-1, make(chan struct{})
	return p.dropped
}

// pipe copies requests from c to s and replies back. A request that
// matches the armed word marks the connection; the next reply bytes are
// then dropped and both ends closed.
func (p *Proxy) pipe(c, s net.Conn, closeBoth func()) {
	var mu sync.Mutex
	var doomed chan struct{} // set when the reply to come must be lost
	done := make(chan struct{})
	go func() { // replies
		defer close(done)
		buf := make([]byte, 32<<10)
		for {
			n, err := s.Read(buf)
			if n > 0 {
				mu.Lock()
				d := doomed
				mu.Unlock()
				if d != nil {
					// Signal first: the client sees the broken
					// connection only after the drop is recorded.
					close(d)
					closeBoth()
					return
				}
				if _, werr := c.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		closeBoth()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.word != nil && bytes.Contains(bytes.ToLower(buf[:n]), p.word) {
				if p.skip > 0 {
					p.skip--
				} else {
					mu.Lock()
					doomed = p.dropped
					mu.Unlock()
					p.word = nil
				}
			}
			p.mu.Unlock()
			if _, werr := s.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	closeBoth()
	<-done
}
