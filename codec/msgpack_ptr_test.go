package codec_test

import (
	"testing"

	"github.com/livedict/livedict/codec"
	"github.com/vmihailenco/msgpack/v5"
)

// upper encodes itself, through a method with a pointer receiver, as its
// text in capitals, and decodes as it is stored.
type upper struct{ s string }

func (u *upper) EncodeMsgpack(e *msgpack.Encoder) error {
	b := []byte(u.s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return e.EncodeString(string(b))
}

func (u *upper) DecodeMsgpack(d *msgpack.Decoder) (err error) {
	u.s, err = d.DecodeString()
	return err
}

// TestMsgpackPointerMethods checks that encoding applies methods with
// pointer receivers, at the top and in fields, as decoding does: the value
// is encoded through a pointer.
func TestMsgpackPointerMethods(t *testing.T) {
	c := codec.Msgpack[upper]()
	b, err := c.Encode(nil, upper{"hello"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Decode(b); err != nil || got.s != "HELLO" {
		t.Fatalf("Decode = %q, %v; want HELLO", got.s, err)
	}
	type doc struct{ U upper }
	dc := codec.Msgpack[doc]()
	b, err = dc.Encode(nil, doc{upper{"field"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := dc.Decode(b); err != nil || got.U.s != "FIELD" {
		t.Fatalf("Decode = %q, %v; want FIELD", got.U.s, err)
	}
}

// TestMsgpackReuse checks that the scratch values the codec reuses carry
// nothing from one call to the next: a value decoded after a fuller one
// has only its own fields.
func TestMsgpackReuse(t *testing.T) {
	type doc struct {
		A    string
		Tags []string
		M    map[string]int
	}
	c := codec.Msgpack[doc]()
	full, err := c.Encode(nil, doc{A: "a", Tags: []string{"x", "y"}, M: map[string]int{"k": 1}})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := msgpack.Marshal(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.Decode(full); err != nil {
			t.Fatal(err)
		}
		got, err := c.Decode(empty)
		if err != nil {
			t.Fatal(err)
		}
		if got.A != "" || got.Tags != nil || got.M != nil {
			t.Fatalf("a value decoded from an empty map holds %+v", got)
		}
	}
}
