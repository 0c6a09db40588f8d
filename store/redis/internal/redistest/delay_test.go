package redistest

import (
	"strings"
	"testing"
	"time"
)

// Through a DelayProxy a command gets its whole reply, and never sooner
// than one delay each way: the proxy holds each chunk until then.
func TestDelayProxy(t *testing.T) {
	s := Start(t)
	const oneWay = 20 * time.Millisecond
	p := StartDelayProxy(t, s.Addr, oneWay)
	value := strings.Repeat("v", 200<<10) // several reads in each direction
	start := time.Now()
	if _, err := Command(p.Addr, "SET", "k", value); err != nil {
		t.Fatal(err)
	}
	if got, err := Command(p.Addr, "GET", "k"); err != nil || got != value {
		t.Fatalf("GET through the proxy = %d bytes, %v; want %d bytes", len(got), err, len(value))
	}
	if d := time.Since(start); d < 4*oneWay {
		t.Errorf("two round trips through the proxy took %v, less than 4 × %v", d, oneWay)
	}
}
