package main

import (
	"fmt"
	"strconv"

	"github.com/livedict/livedict/codec"
)

// The store's keys are strings inside livedict whatever --key-type says:
// with --key-type int, a key is the decimal text of an int64, encoded for
// the backend exactly as codec.KeyFor[int64] encodes it, so that records
// written by a program with int or int64 keys (64-bit) are found.

// keyCodec returns the key codec for --key-type.
func keyCodec(keyType string) codec.KeyCodec[string] {
	if keyType == "int" {
		c, _ := codec.KeyFor[int64]()
		return intKeys{c}
	}
	c, _ := codec.KeyFor[string]()
	return c
}

// intKeys encodes decimal text as an int64 key.
type intKeys struct{ c codec.KeyCodec[int64] }

func (k intKeys) EncodeKey(dst []byte, s string) ([]byte, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return dst, fmt.Errorf("key %q is not a 64-bit integer", s)
	}
	return k.c.EncodeKey(dst, n)
}

func (k intKeys) DecodeKey(b []byte) (string, error) {
	n, err := k.c.DecodeKey(b)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(n, 10), nil
}

// parseKey checks a key given on the command line and returns it in its
// canonical form ("007" is 7 with --key-type int).
func (e *env) parseKey(s string) (string, error) {
	if e.g.keyType != "int" {
		return s, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", usageErr("key %q is not a 64-bit integer (--key-type int)", s)
	}
	return strconv.FormatInt(n, 10), nil
}
