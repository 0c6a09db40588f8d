package fleet

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(data []byte) ([]respValue, error) {
	rr := newRESPReader(bytes.NewReader(data))
	var out []respValue
	for {
		v, err := rr.read()
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
}

func TestRESPReaderFrames(t *testing.T) {
	stream := ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nab1\r\n$3\r\nab2\r\n" +
		">2\r\n$10\r\ninvalidate\r\n_\r\n" +
		"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n" +
		"%1\r\n+server\r\n+redis\r\n" +
		"|1\r\n+a\r\n+b\r\n+OK\r\n" +
		">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n"
	vs, err := readAll([]byte(stream))
	if !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v, want io.EOF at the end", err)
	}
	want := []frameKind{frameInvalidate, frameFlush, frameReply, frameReply, frameReply, frameOtherPush}
	if len(vs) != len(want) {
		t.Fatalf("%d frames, want %d", len(vs), len(want))
	}
	for i, v := range vs {
		k, names, err := classify(v)
		if err != nil || k != want[i] {
			t.Fatalf("frame %d: %v, %v; want %v", i, k, err, want[i])
		}
		if i == 0 && (len(names) != 2 || string(names[1]) != "ab2") {
			t.Fatalf("names = %q", names)
		}
	}
	if err := checkRole(vs[2]); err != nil {
		t.Fatalf("checkRole(master) = %v", err)
	}
	if vs[4].kind != '+' || string(vs[4].str) != "OK" {
		t.Fatalf("attribute not skipped: %+v", vs[4])
	}
	replica, _ := readAll([]byte("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$9\r\nconnected\r\n:1\r\n"))
	if err := checkRole(replica[0]); !errors.Is(err, errNotMaster) {
		t.Fatalf("checkRole(slave) = %v, want errNotMaster", err)
	}
}

func TestRESPReaderRefusesHostileFrames(t *testing.T) {
	for name, in := range map[string]string{
		"huge bulk":         "$9223372036854775806\r\n",
		"bulk over budget":  "$100000000\r\n",
		"huge array":        "*4294967296\r\n",
		"huge map":          "%4611686018427387904\r\n",
		"deep nesting":      strings.Repeat("*1\r\n", maxDepth+1) + ":1\r\n",
		"long line":         "+" + strings.Repeat("x", maxLine+1) + "\r\n",
		"no CR":             "+OK\n",
		"bad type":          "?1\r\n",
		"bad length":        "$1x\r\n",
		"negative length":   "*-2\r\n",
		"null push":         ">-1\r\n",
		"bulk without CRLF": "$2\r\nabXY",
		"bad bool":          "#x\r\n",
		"empty":             "\r\n",
		"truncated":         "*2\r\n:1\r\n",
	} {
		_, err := readAll([]byte(in))
		if errors.Is(err, io.EOF) {
			t.Errorf("%s: read to EOF without error", name)
			continue
		}
		if !errors.Is(err, ErrBadStream) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: err = %v, want ErrBadStream or io.ErrUnexpectedEOF", name, err)
		}
	}
	for name, in := range map[string]string{
		"push without kind":    ">0\r\n",
		"invalidate of an int": ">2\r\n$10\r\ninvalidate\r\n:1\r\n",
		"invalidate of ints":   ">2\r\n$10\r\ninvalidate\r\n*1\r\n:1\r\n",
		"invalidate, 3 parts":  ">3\r\n$10\r\ninvalidate\r\n_\r\n_\r\n",
	} {
		vs, err := readAll([]byte(in))
		if len(vs) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, err := classify(vs[0]); !errors.Is(err, ErrBadStream) {
			t.Errorf("%s: classify = %v, want ErrBadStream", name, err)
		}
	}
}

// FuzzTrackerStream feeds arbitrary bytes to the tracking connection's
// reader and classifier: they must never panic, hang or allocate past the
// frame budget, and every name of an invalidation is a string.
func FuzzTrackerStream(f *testing.F) {
	f.Add([]byte(">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\nld:f:t:ab\r\n"))
	f.Add([]byte(">2\r\n$10\r\ninvalidate\r\n_\r\n*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"))
	f.Add([]byte("%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n+OK\r\n"))
	f.Add([]byte("|1\r\n+k\r\n~1\r\n#t\r\n,1.5\r\n(123\r\n=7\r\ntxt:abc\r\n!3\r\nerr\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := readAll(data)
		if err == nil {
			t.Fatal("readAll ended without an error")
		}
		for _, v := range vs {
			k, names, err := classify(v)
			if err != nil {
				if !errors.Is(err, ErrBadStream) {
					t.Fatalf("classify error %v does not match ErrBadStream", err)
				}
				continue
			}
			if k == frameInvalidate && names == nil {
				t.Fatal("invalidate frame without a name list")
			}
			_ = checkRole(v)
		}
	})
}
