// Package codec turns keys and values into bytes and back, for the layers and
// backends that keep a store's entries outside memory.
//
// A [Codec] encodes values; a [KeyCodec] encodes keys. Both append to a
// caller's buffer, so a hot path can reuse one slice and allocate nothing
// beyond what the format itself needs.
//
// # Value codecs
//
// [Msgpack] is the default: compact, fast, and tolerant of added or removed
// struct fields. [JSON] is readable and portable to other languages. [Gob]
// writes a self-describing stream per value (a fresh encoder each time), so
// it is larger than the others but needs no shared state between writer and
// reader. [Bytes] and [String] pass data through unchanged.
//
// Every Decode treats its input as untrusted: on any input it returns a
// value or an error for which errors.Is(err, [ErrDecode]) holds, and never
// panics. Input with bytes left over after one value is an error too.
//
// # Key codecs
//
// [KeyFor] picks a key codec from the key type once, at construction. Key
// encodings are deterministic (equal keys give equal bytes) and injective
// (different keys give different bytes), so encoded keys can name entries in
// a backend:
//
//   - a type whose underlying kind is string is stored as its bytes;
//   - an integer type is stored big-endian in its own width, with the sign
//     bit of signed types flipped, so that encoded keys sort in numeric order;
//   - an array of bytes ([16]byte, a UUID type) is stored as its bytes;
//   - a type K that implements [encoding.TextMarshaler], with *K
//     implementing [encoding.TextUnmarshaler], is stored as its text
//     (netip.Addr, for instance).
//
// Any other key type gives an error wrapping [ErrNoKeyCodec]. Note that int,
// uint and uintptr keys take the width of the platform (8 bytes on 64-bit
// systems), so keys persisted by a 64-bit program do not decode on a 32-bit
// one; use int64 or uint64 keys where that matters.
//
// For string and integer keys, [KeyCodec.EncodeKey] allocates nothing
// beyond growing dst.
package codec
