package crypto_test

import (
	"fmt"
	"time"

	"github.com/livedict/livedict/crypto"
)

func Example() {
	key, err := crypto.GenerateKey()
	if err != nil {
		panic(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, key)
	if err != nil {
		panic(err)
	}
	where := crypto.Binding{Store: "main", Bucket: "sessions", Key: []byte("user-42")}
	expireAt := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	blob, err := ring.Seal(nil, []byte("hello, world"), where, expireAt)
	if err != nil {
		panic(err)
	}
	plaintext, exp, keyID, err := ring.Open(nil, blob, where)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s (key %d, expires %s)\n", plaintext, keyID, exp.UTC().Format(time.DateOnly))
	fmt.Println(key)
	// Output:
	// hello, world (key 1, expires 2030-01-01)
	// crypto.Key(redacted)
}

// A blob read into memory of one's own, as a backend's Get returns it, can
// be opened where it lies: the plaintext takes the place of the ciphertext.
func ExampleKeyring_OpenInPlace() {
	key, err := crypto.GenerateKey()
	if err != nil {
		panic(err)
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, key)
	if err != nil {
		panic(err)
	}
	where := crypto.Binding{Store: "main", Bucket: "sessions", Key: []byte("user-42")}
	blob, err := ring.Seal(nil, []byte("hello, world"), where, time.Time{})
	if err != nil {
		panic(err)
	}
	plaintext, _, _, err := ring.OpenInPlace(blob, where)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", plaintext)
	// Output:
	// hello, world
}
