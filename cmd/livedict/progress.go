package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports how far a long command has got: a progress bar when
// stderr is a terminal, a line every so often otherwise (logs and pipes
// get plain counts, no escape codes).
type progress interface {
	// set reports that n items are done.
	set(n int64)
	// finish ends the report of a command that succeeded.
	finish()
	// stop ends the report of a command that failed, whose error says
	// how far it got.
	stop()
}

// newProgress returns the progress report of the command for total items
// (-1 when unknown), described as verb ("resealed", "exported"...).
func (e *env) newProgress(verb string, total int64) progress {
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{bar: progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(e.cmd.name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond),
			// A spinner would need a goroutine of its own.
			progressbar.OptionSetSpinnerChangeInterval(0),
			progressbar.OptionClearOnFinish(),
		)}
	}
	// A line every 5% or so, but not more often than every 1000 records
	// (short runs print nothing) nor less often than every 10000.
	step := int64(10000)
	if total > 0 {
		step = roundStep(min(max(total/20, 1000), 10000))
	}
	return &lineProgress{w: e.stderr, cmd: e.cmd.name, verb: verb, total: total, step: step}
}

type barProgress struct{ bar *progressbar.ProgressBar }

func (p *barProgress) set(n int64) { _ = p.bar.Set64(n) }

func (p *barProgress) finish() { _ = p.bar.Finish() }

func (p *barProgress) stop() { _ = p.bar.Exit() }

// lineProgress prints "<command>: <verb> N of TOTAL records" each time N
// passes a multiple of step, and at the end when it printed before: a
// short run prints nothing.
type lineProgress struct {
	w         io.Writer
	cmd, verb string
	total     int64
	step      int64

	mu    sync.Mutex
	shown int64
	last  int64
}

func (p *lineProgress) set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = n
	if n/p.step > p.shown/p.step {
		p.shown = n
		p.print(n)
	}
}

func (p *lineProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown > 0 && p.last != p.shown {
		p.shown = p.last
		p.print(p.last)
	}
}

func (p *lineProgress) stop() {}

func (p *lineProgress) print(n int64) {
	if p.total >= 0 {
		fmt.Fprintf(p.w, "%s: %s %d of %d records\n", p.cmd, p.verb, n, p.total)
		return
	}
	fmt.Fprintf(p.w, "%s: %s %d records\n", p.cmd, p.verb, n)
}

// roundStep rounds n down to 1, 2 or 5 times a power of ten, so that
// progress lines show round numbers.
func roundStep(n int64) int64 {
	p := int64(1)
	for p*10 <= n {
		p *= 10
	}
	switch {
	case n >= 5*p:
		return 5 * p
	case n >= 2*p:
		return 2 * p
	}
	return p
}
