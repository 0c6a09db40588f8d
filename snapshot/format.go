package snapshot

import (
	"bufio"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/livedict/livedict/crypto"
)

// Layout constants; doc.go describes the format they make.
const (
	// Version is the format version this package writes and reads.
	Version = 1
	// MaxFrameSize bounds the body of one frame, in bytes. A frame that
	// declares more is corrupt: Restore never allocates past it, and
	// allocates as the bytes arrive, not as the length prefix claims.
	// Write fails with ErrTooLarge for a record that would not fit.
	MaxFrameSize = 64 << 20

	frameHeader  = 'H'
	frameRecord  = 'R'
	frameTrailer = 'T'

	modeSealed    = 1
	modePlaintext = 2

	nonceSize = 32
	tagSize   = sha256.Size
	headSize  = 5 // frame type and 4-byte length
	// readChunk is how much of a frame's body is read, and allocated, at
	// a time.
	readChunk = 1 << 20

	macInfo       = "livedict snapshot mac v1"
	plaintextSalt = "livedict snapshot plaintext v1"
	checkKey      = "\x00livedict snapshot check v1\x00"
)

// magic starts every snapshot; the version byte follows it.
var magic = [7]byte{'L', 'D', 'S', 'N', 'A', 'P', 0}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// newMAC returns the chained MAC of a snapshot with nonce: keyed by
// NameKey through HKDF for a sealed one, by public constants for a
// plaintext one (a checksum, not an authenticator).
func newMAC(mode byte, nameKey crypto.Key, nonce []byte) (hash.Hash, error) {
	if mode == modeSealed {
		return crypto.NewHMAC(nameKey, nonce, macInfo)
	}
	k, err := hkdf.Key(sha256.New, []byte(plaintextSalt), nonce, macInfo, sha256.Size)
	if err != nil {
		return nil, err
	}
	return hmac.New(sha256.New, k), nil
}

// checkBinding is what the header's check blob is sealed for. No record
// has it: persisted records' keys are 64 hex digits, this key starts
// with a NUL byte.
func checkBinding(store string, nonce []byte) crypto.Binding {
	return crypto.Binding{Store: store, Key: append([]byte(checkKey), nonce...)}
}

// chain is the MAC state shared by the writer and the reader: each frame's
// tag is the HMAC of the previous tag (the preamble for the first frame),
// the frame's type and length, and its body.
type chain struct {
	mac  hash.Hash
	prev []byte
}

func (c *chain) tag(dst, head, body []byte) []byte {
	c.mac.Reset()
	c.mac.Write(c.prev)
	c.mac.Write(head)
	c.mac.Write(body)
	return c.mac.Sum(dst)
}

func putHead(head []byte, typ byte, n int) {
	head[0] = typ
	binary.BigEndian.PutUint32(head[1:headSize], uint32(n))
}

// frameWriter writes preamble and frames, counting the bytes.
type frameWriter struct {
	w     *bufio.Writer
	chain chain
	n     int64
	err   error
}

func newFrameWriter(w io.Writer) *frameWriter {
	fw := &frameWriter{w: bufio.NewWriterSize(w, 64<<10)}
	pre := append(magic[:], Version)
	fw.write(pre)
	fw.chain.prev = pre
	return fw
}

func (fw *frameWriter) write(b []byte) {
	if fw.err != nil {
		return
	}
	n, err := fw.w.Write(b)
	fw.n += int64(n)
	fw.err = err
}

func (fw *frameWriter) frame(typ byte, body []byte) error {
	if len(body) > MaxFrameSize {
		return fmt.Errorf("%w: %d bytes, the most is %d", ErrTooLarge, len(body), MaxFrameSize)
	}
	var head [headSize]byte
	putHead(head[:], typ, len(body))
	tag := fw.chain.tag(make([]byte, 0, tagSize), head[:], body)
	fw.write(head[:])
	fw.write(body)
	fw.write(tag)
	fw.chain.prev = tag
	return fw.err
}

func (fw *frameWriter) flush() error {
	if fw.err != nil {
		return fw.err
	}
	return fw.w.Flush()
}

// frameReader reads and authenticates frames.
type frameReader struct {
	r     *bufio.Reader
	chain chain
	n     int64 // bytes read
	frame int   // frames read, for messages
	buf   []byte
	tag   [tagSize]byte
	head  [headSize]byte
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 64<<10)}
}

func (fr *frameReader) readFull(b []byte) error {
	n, err := io.ReadFull(fr.r, b)
	fr.n += int64(n)
	return err
}

// preamble reads the magic and version.
func (fr *frameReader) preamble() error {
	var pre [len(magic) + 1]byte
	if err := fr.readFull(pre[:]); err != nil {
		return truncated(err, "in the preamble")
	}
	if [len(magic)]byte(pre[:len(magic)]) != magic {
		return corrupt("not a livedict snapshot (bad magic)")
	}
	if pre[len(magic)] != Version {
		return corrupt("format version %d, this package reads %d", pre[len(magic)], Version)
	}
	fr.chain.prev = slices.Clone(pre[:])
	return nil
}

// truncated describes a read error: an end of input is a truncation.
func truncated(err error, where string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("truncated "+where, args...)
	}
	return fmt.Errorf("snapshot: read: %w", err)
}

// raw reads the next frame without checking its tag; the body is valid
// until the next call.
func (fr *frameReader) raw() (typ byte, body []byte, err error) {
	fr.frame++
	if err := fr.readFull(fr.head[:]); err != nil {
		return 0, nil, truncated(err, "before frame %d (no trailer)", fr.frame)
	}
	n := int(binary.BigEndian.Uint32(fr.head[1:]))
	if n > MaxFrameSize {
		return 0, nil, corrupt("frame %d declares %d bytes, more than MaxFrameSize", fr.frame, n)
	}
	// Grow as the bytes arrive, so a lying length costs at most what the
	// input really holds (plus one chunk).
	b := fr.buf[:0]
	for len(b) < n {
		c := min(n-len(b), readChunk)
		b = slices.Grow(b, c)
		if err := fr.readFull(b[len(b) : len(b)+c]); err != nil {
			return 0, nil, truncated(err, "in frame %d", fr.frame)
		}
		b = b[:len(b)+c]
	}
	fr.buf = b
	if err := fr.readFull(fr.tag[:]); err != nil {
		return 0, nil, truncated(err, "in the tag of frame %d", fr.frame)
	}
	return fr.head[0], b, nil
}

// verify checks the tag of the frame raw returned and advances the chain.
func (fr *frameReader) verify(body []byte) bool {
	var sum [tagSize]byte
	fr.chain.tag(sum[:0], fr.head[:], body)
	if !hmac.Equal(sum[:], fr.tag[:]) {
		return false
	}
	fr.chain.prev = append(fr.chain.prev[:0], fr.tag[:]...)
	return true
}

// next reads and authenticates the next frame.
func (fr *frameReader) next() (typ byte, body []byte, err error) {
	typ, body, err = fr.raw()
	if err != nil {
		return 0, nil, err
	}
	if !fr.verify(body) {
		return 0, nil, corrupt("frame %d fails its MAC (altered, reordered, or from another snapshot)", fr.frame)
	}
	return typ, body, nil
}

// atEOF checks that nothing follows the trailer.
func (fr *frameReader) atEOF() error {
	var b [1]byte
	n, err := fr.r.Read(b[:])
	for n == 0 && err == nil {
		n, err = fr.r.Read(b[:])
	}
	switch {
	case n > 0:
		return corrupt("data after the trailer")
	case errors.Is(err, io.EOF):
		return nil
	}
	return fmt.Errorf("snapshot: read: %w", err)
}

// header is the first frame's content.
type header struct {
	mode    byte
	nonce   []byte
	created time.Time
	name    string
	check   []byte // sealed: a blob of nothing, sealed for checkBinding
	buckets []string
}

func (h *header) append(b []byte) []byte {
	b = append(b, h.mode)
	b = append(b, h.nonce...)
	b = binary.BigEndian.AppendUint64(b, uint64(h.created.UnixNano()))
	b = appendBytes(b, []byte(h.name))
	b = appendBytes(b, h.check)
	b = binary.AppendUvarint(b, uint64(len(h.buckets)))
	for _, name := range h.buckets {
		b = appendBytes(b, []byte(name))
	}
	return b
}

// parseHeaderStart reads the mode and nonce, which the MAC needs before
// the header can be authenticated.
func parseHeaderStart(body []byte) (mode byte, nonce []byte, ok bool) {
	if len(body) < 1+nonceSize {
		return 0, nil, false
	}
	return body[0], body[1 : 1+nonceSize], true
}

func parseHeader(body []byte) (header, error) {
	var h header
	mode, nonce, ok := parseHeaderStart(body)
	if !ok {
		return h, corrupt("short header")
	}
	h.mode, h.nonce = mode, slices.Clone(nonce)
	p := parser{b: body[1+nonceSize:]}
	h.created = time.Unix(0, int64(p.uint64()))
	h.name = string(p.bytes())
	h.check = slices.Clone(p.bytes())
	n := p.uvarint()
	// Every name takes at least one byte, so a count past the bytes left
	// is a lie; checking first keeps the slice's allocation honest.
	if n > uint64(len(p.b)) {
		p.bad = true
	}
	if !p.bad {
		h.buckets = make([]string, 0, n)
		for range n {
			h.buckets = append(h.buckets, string(p.bytes()))
		}
	}
	if p.bad || len(p.b) != 0 {
		return h, corrupt("malformed header")
	}
	return h, nil
}

// record is one record frame's content. key and value share the frame's
// buffer.
type record struct {
	bucket   uint64
	expireAt time.Time
	key      []byte // sealed: the storage name; plaintext: the encoded key
	value    []byte // sealed: the blob; plaintext: the encoded value
}

func appendRecord(b []byte, bucket int, expireAt time.Time, key, value []byte) []byte {
	b = binary.AppendUvarint(b, uint64(bucket))
	b = binary.BigEndian.AppendUint64(b, expiryNanos(expireAt))
	b = appendBytes(b, key)
	return append(b, value...)
}

func parseRecord(body []byte) (record, bool) {
	p := parser{b: body}
	r := record{bucket: p.uvarint()}
	if ns := p.uint64(); ns != 0 {
		r.expireAt = time.Unix(0, int64(ns))
	}
	r.key = p.bytes()
	r.value = p.b
	return r, !p.bad
}

func expiryNanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// parser reads fields off b; a short or malformed field sets bad, and
// every read after that returns zero values.
type parser struct {
	b   []byte
	bad bool
}

func (p *parser) uvarint() uint64 {
	if p.bad {
		return 0
	}
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.bad = true
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *parser) uint64() uint64 {
	if p.bad || len(p.b) < 8 {
		p.bad = true
		return 0
	}
	v := binary.BigEndian.Uint64(p.b)
	p.b = p.b[8:]
	return v
}

func (p *parser) bytes() []byte {
	n := p.uvarint()
	if p.bad || n > uint64(len(p.b)) {
		p.bad = true
		return nil
	}
	v := p.b[:n:n]
	p.b = p.b[n:]
	return v
}
