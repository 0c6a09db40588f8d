package main

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParseLine feeds import lines, which come from files the operator
// may not have written: parseLine must never panic, and a line it accepts
// must come back the same after being written out again as export does.
func FuzzParseLine(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzParseLine.
	f.Fuzz(func(t *testing.T, data []byte, intKeys, sealed bool) {
		keyType := "string"
		if intKeys {
			keyType = "int"
		}
		p, err := parseLine(data, keyType, sealed)
		if err != nil {
			return
		}
		var again []byte
		if sealed {
			again, err = sealedLine(p.bucket, []byte(p.key), p.blob, p.expireAt)
		} else {
			again, err = plainLine(p.bucket, p.key, keyType, p.value, p.expireAt, p.raw, p.codec)
		}
		if err != nil {
			t.Fatalf("accepted %q but cannot write it back: %v", data, err)
		}
		q, err := parseLine(again, keyType, sealed)
		if err != nil {
			t.Fatalf("accepted %q but not its rewrite %q: %v", data, again, err)
		}
		if p.bucket != q.bucket || p.key != q.key || !p.expireAt.Equal(q.expireAt) ||
			!reflect.DeepEqual(p.blob, q.blob) || !bytes.Equal(p.raw, q.raw) || p.codec != q.codec || !reflect.DeepEqual(jsonable(p.value), jsonable(q.value)) {
			t.Fatalf("%q came back as %q:\n%+v\n%+v", data, again, p, q)
		}
	})
}
