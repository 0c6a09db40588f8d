package snapshot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/livedict/livedict"
)

// refuse restores data and checks that it fails with ErrCorrupt and that
// nothing reached the store.
func refuse(t *testing.T, what string, data []byte, opts Options[string, string]) {
	t.Helper()
	dst, _, err := restore(t, data, opts)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("%s: err = %v, want ErrCorrupt", what, err)
	}
	if n := dst.LenAll(); n != 0 {
		t.Errorf("%s: %d entries restored", what, n)
	}
}

func bothKinds(t *testing.T) map[string]Options[string, string] {
	return map[string]Options[string, string]{
		"sealed":    sealedOpts[string](t),
		"plaintext": {Plaintext: true, Name: "test-store"},
	}
}

func TestEveryTruncation(t *testing.T) {
	for kind, opts := range bothKinds(t) {
		t.Run(kind, func(t *testing.T) {
			data := write(t, smallStore(t), opts)
			for n := range len(data) {
				refuse(t, "truncated to "+itoa(n), data[:n], opts)
			}
		})
	}
}

func TestEveryFlippedByte(t *testing.T) {
	for kind, opts := range bothKinds(t) {
		t.Run(kind, func(t *testing.T) {
			data := write(t, smallStore(t), opts)
			for i := range data {
				for _, bit := range []byte{1 << (i % 8), 0x80} {
					bad := slices.Clone(data)
					bad[i] ^= bit
					refuse(t, "bit flipped at "+itoa(i), bad, opts)
				}
			}
		})
	}
}

func TestFrameSurgery(t *testing.T) {
	opts := sealedOpts[string](t)
	src := smallStore(t)
	data := write(t, src, opts)
	fs := frames(t, data)
	if len(fs) != 6 || fs[0].typ != frameHeader || fs[5].typ != frameTrailer {
		t.Fatalf("frames = %v, want header, 4 records, trailer", fs)
	}
	// A second snapshot of the same store with the same keys: its frames
	// are valid records of this store, only not of this snapshot.
	other := write(t, src, opts)
	ofs := frames(t, other)
	part := func(d []byte, f frameSpan) []byte { return d[f.start:f.end] }
	build := func(parts ...[]byte) []byte {
		out := slices.Clone(data[:len(magic)+1])
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	h, r1, r2, r3, r4, tr := part(data, fs[0]), part(data, fs[1]), part(data, fs[2]), part(data, fs[3]), part(data, fs[4]), part(data, fs[5])
	for name, bad := range map[string][]byte{
		"two records swapped":               build(h, r2, r1, r3, r4, tr),
		"a record duplicated":               build(h, r1, r1, r2, r3, r4, tr),
		"a record removed":                  build(h, r1, r3, r4, tr),
		"the trailer removed":               build(h, r1, r2, r3, r4),
		"the trailer duplicated":            build(h, r1, r2, r3, r4, tr, tr),
		"the header duplicated":             build(h, h, r1, r2, r3, r4, tr),
		"no header":                         build(r1, r2, r3, r4, tr),
		"a record from another snapshot":    build(h, r1, part(other, ofs[2]), r3, r4, tr),
		"another snapshot's header":         build(part(other, ofs[0]), r1, r2, r3, r4, tr),
		"another snapshot's trailer":        build(h, r1, r2, r3, r4, part(other, ofs[5])),
		"bytes after the trailer":           append(slices.Clone(data), 0),
		"another snapshot after this one":   append(slices.Clone(data), other...),
		"the preamble of another version":   append([]byte("LDSNAP\x00\x02"), data[len(magic)+1:]...),
		"the trailer of the shorter stream": build(h, r1, tr),
	} {
		refuse(t, name, bad, opts)
	}
}

// TestForgedFrames writes frames with valid tags (as someone holding
// NameKey could) that break the format's other rules: each is refused.
func TestForgedFrames(t *testing.T) {
	opts := sealedOpts[string](t)
	data := write(t, smallStore(t), opts)
	fs := frames(t, data)
	hb := data[fs[0].start+headSize : fs[0].end-tagSize]
	h, err := parseHeader(hb)
	if err != nil {
		t.Fatal(err)
	}
	forge := func(fr ...[2][]byte) []byte {
		var buf bytes.Buffer
		fw := newFrameWriter(&buf)
		fw.chain.mac, _ = newMAC(modeSealed, opts.NameKey, h.nonce)
		for _, f := range fr {
			if err := fw.frame(f[0][0], f[1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := fw.flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	body := func(i int) []byte { return data[fs[i].start+headSize : fs[i].end-tagSize] }
	hdr := [2][]byte{{frameHeader}, hb}
	rec := func(b []byte) [2][]byte { return [2][]byte{{frameRecord}, b} }
	trailer := func(n uint64) [2][]byte { return [2][]byte{{frameTrailer}, binary.BigEndian.AppendUint64(nil, n)} }
	badBucket := slices.Clone(body(1))
	badBucket[0] = 9 // the header lists 3 buckets
	otherBucket := slices.Clone(body(2))
	otherBucket[0] = 0 // a record of bucket x filed under ""
	for name, bad := range map[string][]byte{
		"the right frames (control)":  nil,
		"a miscounted trailer":        forge(hdr, rec(body(1)), trailer(2)),
		"a short trailer":             forge(hdr, rec(body(1)), [2][]byte{{frameTrailer}, {1}}),
		"an unknown frame type":       forge(hdr, [2][]byte{{'X'}, nil}, trailer(0)),
		"a second header":             forge(hdr, hdr, trailer(0)),
		"a bucket index out of range": forge(hdr, rec(badBucket), trailer(1)),
		"a record moved to a bucket":  forge(hdr, rec(otherBucket), trailer(1)),
		"a record body cut short":     forge(hdr, rec(body(1)[:3]), trailer(1)),
		"an empty record":             forge(hdr, rec(nil), trailer(1)),
		"a header cut short":          forge([2][]byte{{frameHeader}, hb[:40]}, trailer(0)),
		"a header with junk after it": forge([2][]byte{{frameHeader}, append(slices.Clone(hb), 0)}, trailer(0)),
	} {
		if bad == nil {
			// The forger writes what Write writes.
			if got := forge(hdr, rec(body(1)), rec(body(2)), rec(body(3)), rec(body(4)), trailer(4)); !bytes.Equal(got, data) {
				t.Fatal("the forger does not reproduce the snapshot")
			}
			continue
		}
		refuse(t, name, bad, opts)
	}
}

// TestHugeLengthPrefix: a frame that claims more than MaxFrameSize is
// corrupt at once, and one that claims up to it but ends early costs what
// arrived, not what it claimed.
func TestHugeLengthPrefix(t *testing.T) {
	opts := sealedOpts[string](t)
	data := write(t, smallStore(t), opts)
	fs := frames(t, data)
	for _, n := range []uint32{MaxFrameSize + 1, 1<<32 - 1} {
		bad := slices.Clone(data)
		binary.BigEndian.PutUint32(bad[fs[1].start+1:], n)
		refuse(t, "length "+itoa(int(n)), bad, opts)
	}
	bad := slices.Clone(data[:fs[1].start+headSize+10])
	binary.BigEndian.PutUint32(bad[fs[1].start+1:], MaxFrameSize)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newStore[string, string](t)
	_, err := Restore(context.Background(), bytes.NewReader(bad), s, opts)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
	// Restore allocates read buffers and one chunk; far below the 64 MiB
	// claimed.
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("a frame claiming %d bytes with 10 present made Restore allocate %d bytes", MaxFrameSize, got)
	}
}

func TestTooLargeRecord(t *testing.T) {
	s := newStore[string, []byte](t)
	s.Set("big", make([]byte, MaxFrameSize), livedict.NoExpiry)
	_, err := Write(context.Background(), &bytes.Buffer{}, s, Options[string, []byte]{Plaintext: true})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
