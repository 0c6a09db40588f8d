package redistest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// DelayProxy is a TCP proxy in front of a server that holds every byte for
// a fixed time in each direction, as a network between client and server
// would: a round trip takes twice the delay more, while bytes in flight
// still stream (the delay is a latency, not a bandwidth limit). It is for
// benchmarks of how a client copes with a remote server.
type DelayProxy struct {
	// Addr is the proxy's host:port: give it to clients instead of the
	// server's.
	Addr string

	target string
	delay  time.Duration
	ln     net.Listener
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// StartDelayProxy starts a proxy for tb in front of the server at target,
// delaying each direction by oneWay, and stops it when tb ends.
func StartDelayProxy(tb testing.TB, target string, oneWay time.Duration) *DelayProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	p := &DelayProxy{Addr: ln.Addr().String(), target: target, delay: oneWay, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// Close stops the proxy and closes every connection through it.
func (p *DelayProxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *DelayProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		closeBoth := func() {
			_ = c.Close()
			_ = s.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, s)
			p.mu.Unlock()
		}
		p.wg.Add(2)
		go p.carry(c, s, closeBoth)
		go p.carry(s, c, closeBoth)
	}
}

// chunk is what one read got, and when.
type chunk struct {
	b  []byte
	at time.Time
}

// carry copies from src to dst, each chunk written delay after it was
// read, until either side fails; then it closes both.
func (p *DelayProxy) carry(src, dst net.Conn, closeBoth func()) {
	defer p.wg.Done()
	line := make(chan chunk, 4096)
	done := make(chan struct{})
	go func() { // the writer
		defer close(done)
		for ch := range line {
			time.Sleep(time.Until(ch.at.Add(p.delay)))
			if _, err := dst.Write(ch.b); err != nil {
				closeBoth()
				for range line { // let the reader finish
				}
				return
			}
		}
	}()
	for {
		buf := make([]byte, 64<<10)
		n, err := src.Read(buf)
		if n > 0 {
			line <- chunk{buf[:n], time.Now()}
		}
		if err != nil {
			break
		}
	}
	close(line)
	<-done
	closeBoth()
}
