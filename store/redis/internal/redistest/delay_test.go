package redistest

import (
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Through a DelayProxy a command and its reply arrive whole, over several
// reads in each direction. The delay is shown in virtual time by
// TestDelayProxyCarryDelays.
func TestDelayProxy(t *testing.T) {
	s := Start(t)
	const oneWay = 20 * time.Millisecond
	p := StartDelayProxy(t, s.Addr, oneWay)
	value := strings.Repeat("v", 200<<10) // several reads in each direction
	if _, err := Command(p.Addr, "SET", "k", value); err != nil {
		t.Fatal(err)
	}
	if got, err := Command(p.Addr, "GET", "k"); err != nil || got != value {
		t.Fatalf("GET through the proxy = %d bytes, %v; want %d bytes", len(got), err, len(value))
	}
}

// The delay itself, in virtual time over in-memory connections: each chunk
// reaches the far side exactly one delay after the proxy read it, and
// closing one side closes the other.
func TestDelayProxyCarryDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const oneWay = 20 * time.Millisecond
		p := &DelayProxy{delay: oneWay}
		client, src := net.Pipe()
		dst, server := net.Pipe()
		carried := make(chan struct{})
		go func() {
			defer close(carried)
			p.carry(src, dst, func() { _ = src.Close(); _ = dst.Close() })
		}()
		buf := make([]byte, 16)
		for _, msg := range []string{"first", "second"} {
			start := time.Now()
			if _, err := client.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			n, err := server.Read(buf)
			if err != nil || string(buf[:n]) != msg {
				t.Fatalf("read %q, %v; want %q", buf[:n], err, msg)
			}
			if d := time.Since(start); d != oneWay {
				t.Errorf("%q arrived after %v, want exactly %v", msg, d, oneWay)
			}
		}
		_ = client.Close()
		if n, err := server.Read(buf); err == nil {
			t.Errorf("read %q after the client closed, want an error", buf[:n])
		}
		<-carried
	})
}
