package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/livedict/livedict"
)

// FuzzRestore: Restore of arbitrary bytes never panics, hangs or
// allocates without bound, and restores nothing unless it returns nil.
// The seeds (testdata/fuzz/FuzzRestore) are snapshots written with
// sealedOpts and plaintextOpts, whole and cut.
func FuzzRestore(f *testing.F) {
	for _, opts := range []Options[string, string]{sealedOpts[string](f), plaintextOpts()} {
		data := write(f, smallStore(f), opts)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options[string, string]{sealedOpts[string](t), plaintextOpts()} {
			s, err := livedict.New[string, string](nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Restore(context.Background(), bytes.NewReader(data), s, opts)
			if err != nil && s.LenAll() != 0 {
				t.Errorf("Restore failed (%v) but left %d entries", err, s.LenAll())
			}
			s.Close()
		}
	})
}

func plaintextOpts() Options[string, string] {
	return Options[string, string]{Plaintext: true, Name: "test-store"}
}

// FuzzFrameBodies gives Restore frames whose tags are right, so the
// parsing behind the MAC (header, records, trailer, sealed blobs) meets
// arbitrary bodies, as it would from someone holding NameKey. The seeds
// (testdata/fuzz/FuzzFrameBodies) are the bodies of a real snapshot.
func FuzzFrameBodies(f *testing.F) {
	opts := sealedOpts[string](f)
	data := write(f, smallStore(f), opts)
	fs := frames(f, data)
	body := func(i int) []byte { return data[fs[i].start+headSize : fs[i].end-tagSize] }
	f.Add(body(0), body(1), body(2), uint64(2))
	f.Fuzz(func(t *testing.T, header, rec1, rec2 []byte, count uint64) {
		_, nonce, ok := parseHeaderStart(header)
		if !ok {
			nonce = make([]byte, nonceSize)
		}
		var buf bytes.Buffer
		fw := newFrameWriter(&buf)
		fw.chain.mac, _ = newMAC(modeSealed, opts.NameKey, nonce)
		for _, fr := range []struct {
			typ  byte
			body []byte
		}{{frameHeader, header}, {frameRecord, rec1}, {frameRecord, rec2}, {frameTrailer, binary.BigEndian.AppendUint64(nil, count)}} {
			if err := fw.frame(fr.typ, fr.body); err != nil {
				return
			}
		}
		if err := fw.flush(); err != nil {
			t.Fatal(err)
		}
		s, err := livedict.New[string, string](nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := Restore(context.Background(), &buf, s, opts); err != nil && s.LenAll() != 0 {
			t.Errorf("Restore failed (%v) but left %d entries", err, s.LenAll())
		}
	})
}
