package redis

import (
	"bytes"
	"fmt"
)

// Limits on what one reply may make go-redis allocate. go-redis's reply
// reader trusts the lengths it reads: a bulk header of $9223372036854775806
// panics it (makeslice), *4294967296 makes it allocate tens of gigabytes,
// and a line without an end, or aggregates nested a million deep, grow
// without bound. The scanner below reads every byte that go-redis reads,
// before go-redis sees it, and fails the read at the first header past
// these limits, so go-redis gets an error and drops the connection instead.
const (
	// MaxReplyElements bounds the elements of the aggregates (arrays,
	// sets, pushes; maps and attributes count two per entry) that are open
	// at once in one connection's replies: go-redis allocates a slot for
	// each as soon as it reads the header. 1<<20 slots cost go-redis about
	// 16 MiB. It is far above what this package asks for: a SCAN page of
	// at most [MaxScanCount] names, or a pipeline of that many GETs.
	MaxReplyElements = 1 << 20
	// MaxReplyDepth bounds how deeply aggregates nest; go-redis reads
	// nested replies by recursion.
	MaxReplyDepth = 64
	// MaxReplyLine bounds a reply line (a simple string, an error, a
	// number) in bytes, line end included.
	MaxReplyLine = 64 << 10
)

// replyLimits are the bounds one connection's scanner enforces.
type replyLimits struct {
	maxBulk  int64 // longest bulk string ($, =, !) payload
	maxElems int64 // open aggregate elements, see MaxReplyElements
	maxDepth int
	maxLine  int
}

func newReplyLimits(maxValueSize int64) replyLimits {
	return replyLimits{
		maxBulk:  maxValueSize + headerLen,
		maxElems: MaxReplyElements,
		maxDepth: MaxReplyDepth,
		maxLine:  MaxReplyLine,
	}
}

// Scanner states.
const (
	stType   = iota // at the type byte of the next value
	stHeader        // in the length line of a bulk string or aggregate
	stLine          // in a simple line (+ - : , # _ ( )
	stSkip          // in a bulk string's payload and its CRLF
)

// frame is one open aggregate.
type frame struct {
	left     int64 // elements still to come
	declared int64 // elements declared, counted in respScanner.open
	attr     bool  // an attribute: it is not an element of its parent
}

// respScanner follows a stream of RESP2 or RESP3 replies, split anywhere,
// without buffering them: it keeps only the state of the current header
// and the stack of open aggregates. It mirrors go-redis's framing (a bulk
// string is its length plus two bytes, a line ends at '\n'), so the two
// never disagree on where a reply ends.
type respScanner struct {
	lim   replyLimits
	state int
	kind  byte  // type byte of the current header or line
	neg   bool  // header: a '-' was read
	num   int64 // header: the length so far
	ndig  int   // header: digits read
	cr    bool  // header: '\r' was read
	line  int   // bytes of the current line or header
	skip  int64 // stSkip: bytes left
	stack []frame
	open  int64 // sum of declared over stack
}

// replyError builds the error of a reply past the limits; it matches
// ErrBadReply and quotes no reply bytes but the header's type.
func replyError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadReply}, args...)...)
}

// scan consumes p, the next bytes read from the connection. It returns an
// error matching ErrBadReply at the first value past the limits or not in
// RESP's framing; after an error the scanner must not be used again.
func (sc *respScanner) scan(p []byte) error {
	for len(p) > 0 {
		switch sc.state {
		case stType:
			sc.kind, p = p[0], p[1:]
			sc.line = 1
			switch sc.kind {
			case '+', '-', ':', ',', '#', '_', '(':
				sc.state = stLine
			case '$', '=', '!', '*', '~', '>', '%', '|':
				sc.state, sc.neg, sc.num, sc.ndig, sc.cr = stHeader, false, 0, 0, false
			default:
				return replyError("reply type byte %#02x is not RESP", sc.kind)
			}
		case stLine:
			i := bytes.IndexByte(p, '\n')
			n := len(p)
			if i >= 0 {
				n = i + 1
			}
			sc.line += n
			if sc.line > sc.lim.maxLine {
				return replyError("a %q reply line is longer than %d bytes", sc.kind, sc.lim.maxLine)
			}
			p = p[n:]
			if i >= 0 {
				sc.valueDone()
			}
		case stHeader:
			c := p[0]
			p = p[1:]
			if err := sc.headerByte(c); err != nil {
				return err
			}
		case stSkip:
			n := int64(len(p))
			if n > sc.skip {
				n = sc.skip
			}
			sc.skip -= n
			p = p[n:]
			if sc.skip == 0 {
				sc.valueDone()
			}
		}
	}
	return nil
}

// headerByte consumes one byte of a length line.
func (sc *respScanner) headerByte(c byte) error {
	sc.line++
	switch {
	case sc.cr:
		if c != '\n' {
			return replyError("a %q header does not end with CRLF", sc.kind)
		}
		return sc.headerDone()
	case c == '\r':
		if sc.ndig == 0 {
			return replyError("a %q header has no length", sc.kind)
		}
		sc.cr = true
	case c == '-' && sc.ndig == 0 && !sc.neg:
		sc.neg = true
	case c >= '0' && c <= '9':
		sc.ndig++
		sc.num = sc.num*10 + int64(c-'0')
		// Checked digit by digit, so a length never overflows and an
		// absurd one fails before its end arrives.
		if !sc.neg && sc.num > sc.maxLen() || sc.neg && sc.num > 1 {
			return sc.tooLong()
		}
	default:
		return replyError("a %q header holds a byte that is not a digit", sc.kind)
	}
	return nil
}

func isBulk(kind byte) bool { return kind == '$' || kind == '=' || kind == '!' }

// perEntry is how many elements one entry of the aggregate kind holds.
func perEntry(kind byte) int64 {
	if kind == '%' || kind == '|' {
		return 2
	}
	return 1
}

// maxLen is the largest length the current header may give.
func (sc *respScanner) maxLen() int64 {
	if isBulk(sc.kind) {
		return sc.lim.maxBulk
	}
	return (sc.lim.maxElems - sc.open) / perEntry(sc.kind)
}

func (sc *respScanner) tooLong() error {
	if isBulk(sc.kind) {
		return replyError("a bulk reply is longer than %d bytes", sc.lim.maxBulk)
	}
	return replyError("aggregate replies hold more than %d elements", sc.lim.maxElems)
}

// headerDone acts on a complete length line.
func (sc *respScanner) headerDone() error {
	sc.state = stType
	if sc.neg {
		if sc.num != 1 { // -0: go-redis would read it as 0, not as a null
			return replyError("a %q header has a negative length other than -1", sc.kind)
		}
		sc.valueDone() // -1, a null
		return nil
	}
	if isBulk(sc.kind) {
		sc.state, sc.skip = stSkip, sc.num+2
		return nil
	}
	n := sc.num * perEntry(sc.kind)
	if n == 0 {
		sc.valueDone()
		return nil
	}
	if len(sc.stack) >= sc.lim.maxDepth {
		return replyError("aggregate replies nest deeper than %d", sc.lim.maxDepth)
	}
	sc.stack = append(sc.stack, frame{left: n, declared: n, attr: sc.kind == '|'})
	sc.open += n
	return nil
}

// valueDone records that a value ended: it counts as an element of the
// innermost open aggregate, and each aggregate it completes counts as one
// of its parent (an attribute counts for none: it precedes the reply it
// annotates).
func (sc *respScanner) valueDone() {
	sc.state = stType
	for len(sc.stack) > 0 {
		top := &sc.stack[len(sc.stack)-1]
		top.left--
		if top.left > 0 {
			return
		}
		sc.open -= top.declared
		attr := top.attr
		sc.stack = sc.stack[:len(sc.stack)-1]
		if attr {
			return
		}
	}
}
