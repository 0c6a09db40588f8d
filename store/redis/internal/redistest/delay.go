package redistest

import (
	"net"
	"testing"
	"time"
)

// DelayProxy is a TCP proxy in front of a server that holds every byte for
// a fixed time in each direction, as a network between client and server
// would: a round trip takes twice the delay more, while bytes in flight
// still stream (the delay is a latency, not a bandwidth limit). It is for
// benchmarks of how a client copes with a remote server.
type DelayProxy struct {
	relay
	delay time.Duration
}

// StartDelayProxy starts a proxy for tb in front of the server at target,
// delaying each direction by oneWay, and stops it when tb ends.
func StartDelayProxy(tb testing.TB, target string, oneWay time.Duration) *DelayProxy {
	tb.Helper()
	p := &DelayProxy{delay: oneWay}
	p.start(tb, target, p.serve)
	return p
}

// serve carries bytes both ways until either side fails.
func (p *DelayProxy) serve(c, s net.Conn, closeBoth func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.carry(s, c, closeBoth)
	}()
	p.carry(c, s, closeBoth)
	<-done
}

// chunk is what one read got, and when.
type chunk struct {
	b  []byte
	at time.Time
}

// carry copies from src to dst, each chunk written delay after it was
// read, until either side fails; then it closes both.
func (p *DelayProxy) carry(src, dst net.Conn, closeBoth func()) {
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
