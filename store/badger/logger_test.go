package badger

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSlogAdapter(t *testing.T) {
	var buf bytes.Buffer
	a := slogAdapter{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	a.Errorf("bad %d\n", 1)
	a.Warningf("careful %s", "now")
	a.Infof("chatty")
	a.Debugf("chattier")
	out := buf.String()
	for _, want := range []string{`level=ERROR msg="bad 1" backend=badger`, `level=WARN msg="careful now" backend=badger`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "chatty") {
		t.Errorf("log %q has Badger's info or debug messages, want them dropped", out)
	}
}

// TestSlogAdapterSkipsFormatting checks that a logger that is not enabled
// at warning level costs no formatting: the argument's String is not called.
func TestSlogAdapterSkipsFormatting(t *testing.T) {
	a := slogAdapter{slog.New(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelError}))}
	var c countingStringer
	a.Warningf("%v", &c)
	if c.n != 0 {
		t.Errorf("a disabled warning formatted its arguments %d times", c.n)
	}
}

type countingStringer struct{ n int }

func (c *countingStringer) String() string { c.n++; return "x" }
