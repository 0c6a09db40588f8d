package codec_test

import (
	"fmt"

	"github.com/livedict/livedict/codec"
)

func Example() {
	type session struct {
		User  string
		Roles []string
	}
	values := codec.Msgpack[session]()
	keys, err := codec.KeyFor[int64]()
	if err != nil {
		panic(err)
	}

	// Both codecs append, so one buffer can hold the key and then the value.
	buf, _ := keys.EncodeKey(nil, -1)
	fmt.Printf("key: %x\n", buf)
	buf, _ = values.Encode(buf[:0], session{User: "ada", Roles: []string{"admin"}})

	s, err := values.Decode(buf)
	fmt.Println(s.User, s.Roles, err)

	_, err = values.Decode([]byte{0xc1})
	fmt.Println(err != nil)

	_, err = codec.KeyFor[float64]()
	fmt.Println(err)
	// Output:
	// key: 7fffffffffffffff
	// ada [admin] <nil>
	// true
	// codec: no key codec for this type: float64 (want a string, integer or byte array kind, or a type with MarshalText and a pointer with UnmarshalText)
}
