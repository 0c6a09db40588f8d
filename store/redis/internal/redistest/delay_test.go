package redistest

import (
	"strings"
	"testing"
	"time"
)

// Through a DelayProxy a command and its reply arrive whole, over several
// reads in each direction. How long the proxy holds them is not asserted
// (it is real time, which a loaded machine stretches); the rtt1ms
// benchmark (store/redis, PutBatchSerial/4096/rtt1ms) shows the delay.
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
