package fleet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/livedict/livedict/store/redis"
)

// Bounds of what one tracking-connection frame may make the reader
// allocate. A frame is a reply or a push, with everything nested in it.
const (
	// maxFrameBytes bounds the bytes of strings plus 64 per element in one
	// frame. An invalidation names at most the keys one event-loop pass of
	// the server modified; 64 MiB holds about half a million names.
	maxFrameBytes = 64 << 20
	// maxLine bounds one line (a header or a simple value).
	maxLine = redis.MaxReplyLine
	// maxDepth bounds how deeply aggregates nest.
	maxDepth = redis.MaxReplyDepth
	// elemCost is what each element counts against maxFrameBytes.
	elemCost = 64
)

// respValue is one RESP3 value. kind is the type byte: '+' '-' ':' '$'
// '_' ',' '#' '(' '=' '!' for scalars (str holds the text or bytes, num
// the integer), '*' '~' '%' '>' for aggregates (elems; a map's entries
// are key, value, key, value...). A null aggregate or string ("*-1",
// "$-1", "_") has null set.
type respValue struct {
	kind  byte
	null  bool
	num   int64
	str   []byte
	elems []respValue
}

// respReader reads RESP3 frames from a tracking connection. Attributes
// ('|') are read and dropped, as RESP3 allows a client to.
type respReader struct {
	r      *bufio.Reader
	budget int // left for the frame being read
}

func newRESPReader(r io.Reader) *respReader {
	return &respReader{r: bufio.NewReaderSize(r, maxLine)}
}

func badStream(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadStream}, args...)...)
}

// read returns the next frame.
func (rr *respReader) read() (respValue, error) {
	rr.budget = maxFrameBytes
	return rr.value(0)
}

// line returns the next line without its CRLF; the slice is valid until
// the next read.
func (rr *respReader) line() ([]byte, error) {
	l, err := rr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, badStream("line longer than %d bytes", maxLine)
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(l) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return nil, badStream("line not ended by CRLF")
	}
	return l[:len(l)-2], nil
}

func (rr *respReader) spend(n int64) error {
	if n < 0 || n > int64(rr.budget) {
		return badStream("frame larger than %d bytes", maxFrameBytes)
	}
	rr.budget -= int(n)
	return nil
}

// number parses a RESP length or integer: an optional '-' and 1 to 19
// digits.
func number(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

func (rr *respReader) value(depth int) (respValue, error) {
	for {
		l, err := rr.line()
		if err != nil {
			return respValue{}, err
		}
		if len(l) == 0 {
			return respValue{}, badStream("empty line")
		}
		kind, body := l[0], l[1:]
		if err := rr.spend(elemCost); err != nil {
			return respValue{}, err
		}
		switch kind {
		case '+', '-', ',', '(':
			return respValue{kind: kind, str: bytes.Clone(body)}, nil
		case ':':
			n, ok := number(body)
			if !ok {
				return respValue{}, badStream("bad integer")
			}
			return respValue{kind: kind, num: n}, nil
		case '#':
			if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
				return respValue{}, badStream("bad boolean")
			}
			var t int64
			if body[0] == 't' {
				t = 1
			}
			return respValue{kind: kind, num: t}, nil
		case '_':
			if len(body) != 0 {
				return respValue{}, badStream("bad null")
			}
			return respValue{kind: kind, null: true}, nil
		case '$', '=', '!':
			n, ok := number(body)
			if !ok || n < -1 {
				return respValue{}, badStream("bad bulk length")
			}
			if n == -1 {
				return respValue{kind: kind, null: true}, nil
			}
			if err := rr.spend(n); err != nil {
				return respValue{}, err
			}
			// The buffer grows as the bytes arrive: a header alone cannot
			// make the reader allocate what it announces.
			var bb bytes.Buffer
			bb.Grow(int(min(n+2, 4096)))
			if got, err := io.CopyN(&bb, rr.r, n+2); err != nil || got != n+2 {
				if err == nil || errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return respValue{}, err
			}
			buf := bb.Bytes()
			if buf[n] != '\r' || buf[n+1] != '\n' {
				return respValue{}, badStream("bulk string not ended by CRLF")
			}
			return respValue{kind: kind, num: n, str: buf[:n]}, nil
		case '*', '~', '%', '>', '|':
			n, ok := number(body)
			if !ok || n < -1 || (n == -1 && kind != '*') {
				return respValue{}, badStream("bad aggregate length")
			}
			if n == -1 {
				return respValue{kind: kind, null: true}, nil
			}
			if depth >= maxDepth {
				return respValue{}, badStream("aggregates nested deeper than %d", maxDepth)
			}
			if kind == '%' || kind == '|' {
				if n > maxFrameBytes/2 {
					return respValue{}, badStream("frame larger than %d bytes", maxFrameBytes)
				}
				n *= 2
			}
			// A header claiming more elements than the budget allows is
			// refused at once; the slice grows only as elements arrive, so
			// what it holds was paid for by bytes actually read.
			if n > int64(rr.budget)/elemCost {
				return respValue{}, badStream("frame larger than %d bytes", maxFrameBytes)
			}
			elems := make([]respValue, 0, min(n, 64))
			for range n {
				e, err := rr.value(depth + 1)
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				if err != nil {
					return respValue{}, err
				}
				elems = append(elems, e)
			}
			if kind == '|' {
				continue // an attribute describes the value after it
			}
			return respValue{kind: kind, elems: elems}, nil
		default:
			return respValue{}, badStream("unknown type byte %q", kind)
		}
	}
}

// frameKind says what a frame from a tracking connection is.
type frameKind int

const (
	frameReply      frameKind = iota // a reply to a command we sent
	frameInvalidate                  // invalidate push naming keys
	frameFlush                       // invalidate push with null: everything
	frameOtherPush                   // another push: ignored
)

// classify tells what v is; for frameInvalidate it returns the key names
// (which alias v).
func classify(v respValue) (frameKind, [][]byte, error) {
	if v.kind != '>' {
		return frameReply, nil, nil
	}
	if len(v.elems) == 0 || !isString(v.elems[0]) {
		return 0, nil, badStream("push without a kind")
	}
	if string(v.elems[0].str) != "invalidate" {
		return frameOtherPush, nil, nil
	}
	if len(v.elems) != 2 {
		return 0, nil, badStream("invalidate push of %d elements", len(v.elems))
	}
	arg := v.elems[1]
	if arg.null {
		return frameFlush, nil, nil
	}
	if arg.kind != '*' && arg.kind != '~' {
		return 0, nil, badStream("invalidate push without a key list")
	}
	names := make([][]byte, 0, len(arg.elems))
	for _, e := range arg.elems {
		if !isString(e) || e.null {
			return 0, nil, badStream("invalidate push naming a non-string")
		}
		names = append(names, e.str)
	}
	return frameInvalidate, names, nil
}

func isString(v respValue) bool {
	return v.kind == '$' || v.kind == '+' || v.kind == '='
}

// appendCommand appends args as a RESP array of bulk strings.
func appendCommand(dst []byte, args ...string) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}
